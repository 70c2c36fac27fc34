package resolvers

import (
	"context"

	"certgraph/internal/ident"
	"certgraph/models"
)

type certificateResolver struct{ *Resolver }

func (r *certificateResolver) Type(ctx context.Context, c *models.Certificate) (*models.CertificateType, error) {
	return mustFind[models.CertificateType]("certificate type", c.TypeCode)(r.loadersOf(ctx).certType.Load(ctx, c.TypeCode))
}

func (r *certificateResolver) Number(ctx context.Context, c *models.Certificate) (string, error) {
	acc, err := r.caller(ctx)
	if err != nil {
		return "", err
	}
	if !masked(acc) {
		return c.Number, nil
	}
	// A person's certificate number is often their 公民身份号码.
	ct, err := r.Type(ctx, c)
	if err != nil || ct.HolderKind != models.KindPerson {
		return c.Number, err
	}
	return ident.MaskCode(c.Number), nil
}

func (r *certificateResolver) Holder(ctx context.Context, c *models.Certificate) (*models.Holder, error) {
	return mustFind[models.Holder]("holder", "")(r.loadersOf(ctx).holderByID.Load(ctx, c.HolderID))
}

func (r *certificateResolver) IssueDept(ctx context.Context, c *models.Certificate) (*models.Department, error) {
	return mustFind[models.Department]("department", c.IssueDeptCode)(r.loadersOf(ctx).dept.Load(ctx, c.IssueDeptCode))
}

func (r *certificateResolver) Status(ctx context.Context, c *models.Certificate) (models.CertificateStatus, error) {
	return c.Status(r.today()), nil
}

func (r *certificateResolver) DigitalSign(ctx context.Context, c *models.Certificate) (string, error) {
	return c.DigitalSign, nil
}

// Surfaces are the certificate's visible content: personal data that
// analysts do not see.
func (r *certificateResolver) Surfaces(ctx context.Context, c *models.Certificate) ([]models.Surface, error) {
	acc, err := r.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if masked(acc) {
		_ = r.audit(ctx, acc, "certificate.surfaces", c.UseFor, models.OutcomeDenied, "analysts do not see surfaces", c.ID)
		return nil, models.Errorf(models.EFORBIDDEN, "analyst accounts do not see certificate surfaces")
	}
	return r.loadersOf(ctx).surfacesByCert.Load(ctx, c.ID)
}
