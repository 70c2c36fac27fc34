package resolvers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"certgraph/graph/model"
	"certgraph/internal/cache"
	"certgraph/internal/ident"
	"certgraph/internal/national"
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

// Holder looks a holder up by code. Every lookup is audited, found or not:
// whether a code exists is itself personal data.
func (q *queryResolver) Holder(ctx context.Context, code string, typ *string) (*models.Holder, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	code, t, err := q.checkHolderCode(ctx, "code", "type", code, typ)
	if err != nil {
		return nil, err
	}
	var h *models.Holder
	if !slices.Contains(graphql.CollectAllFields(ctx), "certificates") {
		if h, err = q.holderByCode(ctx, code, t); err != nil {
			return nil, err
		}
	} else {
		// The holder with their certificates in one statement; the
		// certificates field then reads them from its loader.
		var certs []models.Certificate
		if h, certs, err = q.store.HolderWithCertificates(ctx, code, t); err != nil {
			return nil, err
		}
		if h != nil {
			l := q.loadersOf(ctx)
			l.primeHolder(h)
			l.certsByHolder.Prime(h.ID, certs)
		}
	}
	if h == nil && (q.dispatches() || q.hubMode()) {
		// A holder known only in other regions: asked of the hub (at the hub,
		// of the regions its directory lists for the holder).
		if h, err = q.remoteHolderByCode(ctx, code, t); err != nil {
			return nil, err
		}
	}
	if h == nil {
		return nil, q.audit(ctx, acc, "holder", models.UseOther, models.OutcomeNotFound, "", code)
	}
	return h, q.audit(ctx, acc, "holder", models.UseOther, models.OutcomeOK, "", code)
}

func (r *Resolver) holderByCode(ctx context.Context, code, typ string) (*models.Holder, error) {
	h, err := r.store.HolderByCode(ctx, code, typ)
	if h == nil || err != nil {
		return nil, err
	}
	r.loadersOf(ctx).primeHolder(h)
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
// filtered by type (code or name) and number, every one audited. With a
// hub, the local part and the national part (the hub's answer, or at the
// hub the answers of the regions its directory lists for the holder) are
// fetched in parallel and merged: de-duplicated, newest first, at most 200.
// When the national part fails the local part is still answered, with an
// error beside it naming the region (GraphQL: on the field's path).
func (r *Resolver) holderCertificates(ctx context.Context, acc *models.Account, op, holderCode string, holderType, typ, number *string, useFor models.UseFor) ([]models.Certificate, error) {
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	code, t, err := r.checkHolderCode(ctx, "holderCode", "holderType", holderCode, holderType)
	if err != nil {
		return nil, err
	}
	hop, err := r.hopOf(ctx)
	if err != nil {
		return nil, err
	}
	num := ""
	if number != nil {
		num = strings.TrimSpace(*number)
	}
	given, typeCode, localPart := "", "", true
	if typ != nil {
		given = strings.TrimSpace(*typ)
	}
	if given != "" {
		ct, err := r.store.CertificateTypeByCodeOrName(ctx, given)
		switch {
		case err != nil:
			return nil, err
		case ct == nil && (r.dispatches() || r.hubMode()):
			localPart = false // a type unknown here: the hub's (or at the hub, the regions') to answer
		case ct == nil && len(hop.Via) > 0:
			return nil, r.audit(ctx, acc, op, useFor, models.OutcomeOK, "certificate type "+given+" is not in this catalogue", code)
		case ct == nil:
			return nil, models.Invalid("type", "%q is not a certificate type in the catalogue", given)
		case !ct.Local && r.dispatches():
			localPart, typeCode = false, ct.Code
		default:
			typeCode = ct.Code
		}
	}

	var (
		remote  []models.Certificate
		partial error
		wg      sync.WaitGroup
	)
	switch {
	case r.hubMode():
		wg.Add(1)
		go func() {
			defer wg.Done()
			remote, partial = r.fanOut(ctx, hop, code, t, given, typeCode, num, useFor)
		}()
	case r.dispatches() && hop.Origin():
		wg.Add(1)
		go func() {
			defer wg.Done()
			remote, partial = r.remoteHolder(ctx, national.HubRegion, code, t, given, num, useFor)
		}()
	}
	var local []models.Certificate
	var localErr error
	if localPart {
		local, localErr = r.localHolderCertificates(ctx, code, t, typeCode, num)
	}
	wg.Wait()
	if localErr != nil {
		return nil, localErr
	}
	for i := range local {
		local[i].UseFor = useFor
	}
	if err := r.primeCertificates(ctx, acc, local); err != nil {
		return nil, err
	}
	certs, truncated := national.Merge(national.MaxHolderCertificates, local, remote)
	if partial == nil && truncated != nil {
		partial = models.Errorf(models.EINVALID, "%s", truncated.Error())
	}
	detail := "holder " + code
	if len(remote) > 0 || partial != nil {
		detail += fmt.Sprintf(" (%d local, %d national)", len(local), len(remote))
	}
	if partial != nil {
		detail += "; national part incomplete: " + partial.Error()
	}
	if len(certs) == 0 {
		if partial != nil && !localPart {
			_ = r.audit(ctx, acc, op, useFor, outcomeOfErr(partial), detail, code)
			return nil, partial
		}
		if err := r.audit(ctx, acc, op, useFor, models.OutcomeOK, "no certificate found; "+detail, code); err != nil {
			return nil, err
		}
	} else {
		ids := make([]string, len(certs))
		for i := range certs {
			ids[i] = certs[i].ID
		}
		if err := r.audit(ctx, acc, op, useFor, models.OutcomeOK, detail, ids...); err != nil {
			return nil, err
		}
	}
	if partial != nil {
		graphql.AddError(ctx, partial)
	}
	return certs, nil
}

// localHolderCertificates is the holder's certificates in this database.
func (r *Resolver) localHolderCertificates(ctx context.Context, code, holderType, typeCode, number string) ([]models.Certificate, error) {
	// The holder and all their certificates in one statement, filtered here
	// (a holder has few).
	h, all, err := r.store.HolderWithCertificates(ctx, code, holderType)
	if err != nil || h == nil {
		return nil, err
	}
	r.loadersOf(ctx).primeHolder(h)
	var certs []models.Certificate
	for _, c := range all {
		if (typeCode == "" || c.TypeCode == typeCode) && (number == "" || c.Number == number) {
			certs = append(certs, c)
		}
	}
	return certs, nil
}

// fanOut is the hub's national part of a holder answer: every region its
// directory lists for the holder (never one the read passed), in parallel.
func (r *Resolver) fanOut(ctx context.Context, hop national.Hop, code, holderType, given, typeCode, number string, useFor models.UseFor) ([]models.Certificate, error) {
	d := r.nat.Digester()
	if d == nil {
		return nil, models.Errorf(models.EINTERNAL, "the hub has no holder digest key")
	}
	regions, err := r.store.HolderRegions(ctx, d.Digest(code), typeCode)
	if err != nil {
		return nil, err
	}
	res := national.Run(ctx, national.FanOut{}, hop, regions, func(ctx context.Context, region string) ([]models.Certificate, error) {
		return r.remoteHolder(ctx, region, code, holderType, given, number, useFor)
	})
	var first error
	for _, region := range regions {
		if err := res.Errors[region]; err != nil {
			if first == nil {
				first = err
			}
		}
	}
	if first == nil && res.Truncated != nil {
		first = models.Errorf(models.EINVALID, "%s", res.Truncated.Error())
	}
	return res.Items, first
}

// dispatches reports whether this node sends non-local reads to a hub.
func (r *Resolver) dispatches() bool { return r.nat != nil && r.nat.Settings.Dispatching() }

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
	region, err := r.where(ctx, cid.String())
	if err != nil {
		return nil, err
	}
	if region != r.cfg.Region {
		return r.remoteForRead(ctx, acc, op, region, cid.String(), useFor, func() (*models.Certificate, error) {
			return r.remoteByID(ctx, region, cid.String(), useFor)
		})
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

// remoteForRead runs a dispatched read of one certificate and audits it
// here with its route, outcome and request id.
func (r *Resolver) remoteForRead(ctx context.Context, acc *models.Account, op, region, subject string, useFor models.UseFor, read func() (*models.Certificate, error)) (*models.Certificate, error) {
	route := r.route(region, issuingRegion(subject))
	c, err := read()
	switch {
	case err != nil:
		_ = r.audit(ctx, acc, op, useFor, outcomeOfErr(err), route+": "+err.Error(), subject)
		return nil, err
	case c == nil:
		return nil, r.audit(ctx, acc, op, useFor, models.OutcomeNotFound, route, subject)
	}
	c.UseFor = useFor
	return c, r.audit(ctx, acc, op, useFor, models.OutcomeOK, r.route(region, c.Remote.Region), c.ID)
}

// outcomeOfErr is the audit outcome of a failed read.
func outcomeOfErr(err error) string {
	switch models.ErrorCode(err) {
	case models.ENOTFOUND:
		return models.OutcomeNotFound
	case models.EFORBIDDEN, models.EUNAUTHENTICATED:
		return models.OutcomeDenied
	case models.EINVALID:
		return models.OutcomeInvalid
	}
	return models.OutcomeFailed
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
	r.loadersOf(ctx).primeHolder(h)
	hkey := cache.HolderKey(h.ID)
	if _, ok := r.cache.Get(hkey); !ok {
		hgen := r.cache.Generation(hkey)
		if r.cache.Generation(cache.HoldersKey) == epoch {
			stored := *h
			r.cache.Set(hkey, hgen, &stored)
		}
	}
	stored := *c
	r.cache.Set(key, gen, &stored)
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
