package resolvers

import (
	"context"
	"errors"
	"strings"

	"certgraph/graph/model"
	"certgraph/internal/ident"
	"certgraph/models"

	"gorm.io/gorm"
)

func (q *queryResolver) Me(ctx context.Context) (*models.Account, error) {
	return q.caller(ctx)
}

func (q *queryResolver) HolderTypes(ctx context.Context) ([]models.HolderType, error) {
	var out []models.HolderType
	return out, q.db.WithContext(ctx).Order("code").Find(&out).Error
}

func (q *queryResolver) CertificateTypes(ctx context.Context) ([]models.CertificateType, error) {
	var out []models.CertificateType
	return out, q.db.WithContext(ctx).Order("code").Find(&out).Error
}

func (q *queryResolver) Departments(ctx context.Context) ([]models.Department, error) {
	if _, err := q.require(ctx); err != nil {
		return nil, err
	}
	var out []models.Department
	return out, q.db.WithContext(ctx).Order("code").Find(&out).Error
}

func (q *queryResolver) Holder(ctx context.Context, code string, typ *string) (*models.Holder, error) {
	if _, err := q.require(ctx, readers...); err != nil {
		return nil, err
	}
	code, t, err := q.checkHolderCode(ctx, "code", "type", code, typ)
	if err != nil {
		return nil, err
	}
	return q.holderByCode(ctx, code, t)
}

func (r *Resolver) holderByCode(ctx context.Context, code, typ string) (*models.Holder, error) {
	var h models.Holder
	tx := r.db.WithContext(ctx).Where("code = ?", code)
	if typ != "" {
		tx = tx.Where("type_code = ?", typ)
	}
	err := tx.First(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.loadersOf(ctx).holderByID.Prime(h.ID, &h)
	return &h, nil
}

func (q *queryResolver) Certificates(ctx context.Context, holderCode string, holderType, typ, number *string, useFor models.UseFor) ([]models.Certificate, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	return q.holderCertificates(ctx, acc, "certificates", holderCode, holderType, typ, number, useFor)
}

// holderCertificates is the spec 6.2/6.4.1 lookup: a holder's certificates,
// filtered by type (code or name) and number, every one audited.
func (r *Resolver) holderCertificates(ctx context.Context, acc *models.Account, op, holderCode string, holderType, typ, number *string, useFor models.UseFor) ([]models.Certificate, error) {
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	code, t, err := r.checkHolderCode(ctx, "holderCode", "holderType", holderCode, holderType)
	if err != nil {
		return nil, err
	}
	typeCode, err := r.resolveTypeFilter(ctx, "type", typ)
	if err != nil {
		return nil, err
	}
	h, err := r.holderByCode(ctx, code, t)
	if err != nil {
		return nil, err
	}
	var certs []models.Certificate
	if h != nil {
		tx := r.db.WithContext(ctx).Where("holder_id = ?", h.ID)
		if typeCode != "" {
			tx = tx.Where("type_code = ?", typeCode)
		}
		if number != nil && strings.TrimSpace(*number) != "" {
			tx = tx.Where("number = ?", strings.TrimSpace(*number))
		}
		if err := tx.Order("issue_date DESC, id").Find(&certs).Error; err != nil {
			return nil, err
		}
	}
	if len(certs) == 0 {
		return certs, r.audit(ctx, acc, op, useFor, models.OutcomeOK, "no certificate found", code)
	}
	ids := make([]string, len(certs))
	for i := range certs {
		certs[i].UseFor = useFor
		ids[i] = certs[i].ID
	}
	return certs, r.audit(ctx, acc, op, useFor, models.OutcomeOK, "holder "+code, ids...)
}

// resolveTypeFilter accepts a certificate type's code or its name (legacy
// callers send names) and returns the code; "" when no filter was given.
func (r *Resolver) resolveTypeFilter(ctx context.Context, field string, typ *string) (string, error) {
	if typ == nil || strings.TrimSpace(*typ) == "" {
		return "", nil
	}
	v := strings.TrimSpace(*typ)
	var ct models.CertificateType
	err := r.db.WithContext(ctx).Where("code = ? OR name = ?", v, v).First(&ct).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", models.Invalid(field, "%q is not a certificate type in the catalogue", v)
	}
	return ct.Code, err
}

func (q *queryResolver) Certificate(ctx context.Context, id string, useFor models.UseFor) (*models.Certificate, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	return q.certificateForRead(ctx, acc, "certificate", id, useFor)
}

// certificateForRead is the spec 6.4.2 lookup of one certificate by
// identifier: validated, located (local or national), loaded and audited.
func (r *Resolver) certificateForRead(ctx context.Context, acc *models.Account, op, id string, useFor models.UseFor) (*models.Certificate, error) {
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	cid, err := ident.ParseCertID(strings.TrimSpace(id))
	if err != nil {
		return nil, models.Invalid("id", "%s", err.Error())
	}
	if r.locate(cid) == national {
		_ = r.audit(ctx, acc, op, useFor, models.OutcomeFailed, "non-local certificate; national platform not configured", cid.String())
		return nil, r.notHere(cid)
	}
	c, err := r.certificateByID(ctx, cid.String())
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, r.audit(ctx, acc, op, useFor, models.OutcomeNotFound, "", cid.String())
	}
	c.UseFor = useFor
	return c, r.audit(ctx, acc, op, useFor, models.OutcomeOK, "", c.ID)
}

func certKey(id string) string { return "cert:" + id }

// certificateByID loads one certificate row through the node cache. The
// caller gets its own copy, so it may set transient fields.
func (r *Resolver) certificateByID(ctx context.Context, id string) (*models.Certificate, error) {
	key := certKey(id)
	if v, ok := r.cache.Get(key); ok {
		c := *v.(*models.Certificate)
		return &c, nil
	}
	gen := r.cache.Generation(key)
	var c models.Certificate
	err := r.db.WithContext(ctx).Where("id = ?", id).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	stored := c
	r.cache.Set(key, gen, &stored, 1)
	return &c, nil
}

// InvalidateCertificate makes the cached copy of a certificate unservable;
// every write to a certificate calls it before returning.
func (r *Resolver) InvalidateCertificate(id string) { r.cache.Invalidate(certKey(id)) }

func (q *queryResolver) SearchCertificates(ctx context.Context, filter *model.CertificateFilter, useFor models.UseFor, first *int, after *string) (*model.CertificateConnection, error) {
	acc, err := q.require(ctx, models.RoleAnalyst, models.RoleAdmin)
	if err != nil {
		return nil, err
	}
	return q.searchCertificates(ctx, acc, filter, useFor, first, after)
}

func (q *queryResolver) Statistics(ctx context.Context, filter *model.CertificateFilter) (*model.Statistics, error) {
	if _, err := q.require(ctx, models.RoleAnalyst, models.RoleAdmin); err != nil {
		return nil, err
	}
	return q.statistics(ctx, filter)
}

func (q *queryResolver) Accounts(ctx context.Context, status *models.AccountStatus) ([]models.Account, error) {
	if _, err := q.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	tx := q.db.WithContext(ctx).Order("created_at, id")
	if status != nil {
		tx = tx.Where("status = ?", *status)
	}
	var out []models.Account
	return out, tx.Find(&out).Error
}
