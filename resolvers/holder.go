package resolvers

import (
	"context"

	"certgraph/internal/ident"
	"certgraph/models"
)

type holderResolver struct{ *Resolver }

// personal reports whether h is a natural person (whose code and name are
// personal data, masked for analysts).
func (r *holderResolver) personal(ctx context.Context, h *models.Holder) (bool, error) {
	ht, err := r.holderType(ctx, h)
	if err != nil {
		return false, err
	}
	return ht.Kind == models.KindPerson, nil
}

func (r *holderResolver) holderType(ctx context.Context, h *models.Holder) (*models.HolderType, error) {
	return mustFind[models.HolderType]("holder type", h.TypeCode)(r.loadersOf(ctx).holderType.Load(ctx, h.TypeCode))
}

func (r *holderResolver) maskFor(ctx context.Context, h *models.Holder) (bool, error) {
	acc, err := r.caller(ctx)
	if err != nil {
		return false, err
	}
	if !masked(acc) {
		return false, nil
	}
	return r.personal(ctx, h)
}

func (r *holderResolver) Code(ctx context.Context, h *models.Holder) (string, error) {
	m, err := r.maskFor(ctx, h)
	if err != nil || !m {
		return h.Code, err
	}
	return ident.MaskCode(h.Code), nil
}

func (r *holderResolver) Name(ctx context.Context, h *models.Holder) (string, error) {
	m, err := r.maskFor(ctx, h)
	if err != nil || !m {
		return h.Name, err
	}
	return ident.MaskName(h.Name), nil
}

func (r *holderResolver) Type(ctx context.Context, h *models.Holder) (*models.HolderType, error) {
	return r.holderType(ctx, h)
}

func (r *holderResolver) Kind(ctx context.Context, h *models.Holder) (models.HolderKind, error) {
	ht, err := r.holderType(ctx, h)
	if err != nil {
		return "", err
	}
	return ht.Kind, nil
}

func (r *holderResolver) Certificates(ctx context.Context, h *models.Holder, useFor models.UseFor, typ *string) ([]models.Certificate, error) {
	acc, err := r.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	if r.dispatches() || r.hubMode() {
		// With a hub, a holder's certificates are the merged local and national answer.
		return r.holderCertificates(ctx, acc, "holder.certificates", h.Code, &h.TypeCode, typ, nil, useFor)
	}
	typeCode, err := r.resolveTypeFilter(ctx, "type", typ)
	if err != nil {
		return nil, err
	}
	all, err := r.loadersOf(ctx).certsByHolder.Load(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	out := make([]models.Certificate, 0, len(all))
	ids := make([]string, 0, len(all))
	for _, c := range all {
		if typeCode != "" && c.TypeCode != typeCode {
			continue
		}
		c.UseFor = useFor
		out = append(out, c)
		ids = append(ids, c.ID)
	}
	if err := r.primeCertificates(ctx, acc, out); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return out, r.audit(ctx, acc, "holder.certificates", useFor, models.OutcomeOK, "no certificate found", h.Code)
	}
	return out, r.audit(ctx, acc, "holder.certificates", useFor, models.OutcomeOK, "holder "+h.Code, ids...)
}
