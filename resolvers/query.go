package resolvers

import (
	"context"
	"slices"
	"strings"

	"certgraph/graph/model"
	"certgraph/internal/cache"
	"certgraph/internal/ident"
	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
)

func (q *queryResolver) Me(ctx context.Context) (*models.Account, error) {
	return q.caller(ctx)
}

func (q *queryResolver) HolderTypes(ctx context.Context) ([]models.HolderType, error) {
	return q.store.HolderTypes(ctx)
}

func (q *queryResolver) CertificateTypes(ctx context.Context) ([]models.CertificateType, error) {
	return q.store.CertificateTypes(ctx)
}

func (q *queryResolver) Departments(ctx context.Context) ([]models.Department, error) {
	if _, err := q.require(ctx); err != nil {
		return nil, err
	}
	return q.store.Departments(ctx)
}

func (q *queryResolver) Holder(ctx context.Context, code string, typ *string) (*models.Holder, error) {
	if _, err := q.require(ctx, readers...); err != nil {
		return nil, err
	}
	code, t, err := q.checkHolderCode(ctx, "code", "type", code, typ)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(graphql.CollectAllFields(ctx), "certificates") {
		return q.holderByCode(ctx, code, t)
	}
	// The holder with their certificates in one statement; the certificates
	// field then reads them from its loader.
	h, certs, err := q.store.HolderWithCertificates(ctx, code, t)
	if h == nil || err != nil {
		return nil, err
	}
	l := q.loadersOf(ctx)
	l.holderByID.Prime(h.ID, h)
	l.certsByHolder.Prime(h.ID, certs)
	return h, nil
}

func (r *Resolver) holderByCode(ctx context.Context, code, typ string) (*models.Holder, error) {
	h, err := r.store.HolderByCode(ctx, code, typ)
	if h == nil || err != nil {
		return nil, err
	}
	r.loadersOf(ctx).holderByID.Prime(h.ID, h)
	return h, nil
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
	// The holder and all their certificates in one statement, filtered here
	// (a holder has few).
	h, all, err := r.store.HolderWithCertificates(ctx, code, t)
	if err != nil {
		return nil, err
	}
	var certs []models.Certificate
	if h != nil {
		r.loadersOf(ctx).holderByID.Prime(h.ID, h)
		num := ""
		if number != nil {
			num = strings.TrimSpace(*number)
		}
		for _, c := range all {
			if (typeCode == "" || c.TypeCode == typeCode) && (num == "" || c.Number == num) {
				certs = append(certs, c)
			}
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
	ct, err := r.store.CertificateTypeByCodeOrName(ctx, v)
	if err != nil {
		return "", err
	}
	if ct == nil {
		return "", models.Invalid(field, "%q is not a certificate type in the catalogue", v)
	}
	return ct.Code, nil
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
		return nil, models.Invalid("id", "is not a valid certificate identifier: %s", err)
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

// certificateByID loads one certificate with its surfaces through the node
// cache (with the holder cached too and the catalogues in memory, a cache-hot
// read runs no query but its audit). The caller gets its own copy, so it may
// set transient fields; the surfaces are shared and never modified.
func (r *Resolver) certificateByID(ctx context.Context, id string) (*models.Certificate, error) {
	key := cache.CertificateKey(id)
	if v, ok := r.cache.Get(key); ok {
		c := *v.(*models.Certificate)
		return &c, nil
	}
	gen := r.cache.Generation(key)
	// The holder's key is unknown until the row arrives, so the epoch of all
	// holders stands in for its generation: the writer bumps it before the
	// holder's own, and a holder is kept only when no holder changed meanwhile.
	epoch := r.cache.Generation(cache.HoldersKey)
	c, h, err := r.store.CertificateWithHolder(ctx, id)
	if c == nil || err != nil {
		return nil, err
	}
	// The holder came with the certificate (one statement): keep it for this
	// request's loader and, when it was not cached already, for the next.
	r.loadersOf(ctx).holderByID.Prime(h.ID, h)
	hkey := cache.HolderKey(h.ID)
	if _, ok := r.cache.Get(hkey); !ok {
		hgen := r.cache.Generation(hkey)
		if r.cache.Generation(cache.HoldersKey) == epoch {
			stored := *h
			r.cache.Set(hkey, hgen, &stored, 1)
		}
	}
	stored := *c
	r.cache.Set(key, gen, &stored, 1)
	return c, nil
}

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
	return q.store.Accounts(ctx, status)
}
