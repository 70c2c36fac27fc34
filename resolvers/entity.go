package resolvers

import (
	"context"

	"certgraph/graph/model"
	"certgraph/internal/ident"
	"certgraph/models"
)

type entityResolver struct{ *Resolver }

// FindManyHolderByCodes resolves a batch of Holder references from other
// subgraphs with one query.
func (r *entityResolver) FindManyHolderByCodes(ctx context.Context, reps []*model.HolderByCodesInput) ([]*models.Holder, error) {
	acc, err := r.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if err := r.countCodeLookup(ctx, len(reps)); err != nil {
		return nil, err
	}
	codes := make([]string, len(reps))
	for i, rep := range reps {
		codes[i] = rep.Code
	}
	hs, err := r.store.HoldersByCode(ctx, codes)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]*models.Holder, len(hs))
	for i := range hs {
		byCode[hs[i].Code] = &hs[i]
		r.loadersOf(ctx).primeHolder(&hs[i])
	}
	out := make([]*models.Holder, len(reps))
	var found, missing []string
	for i, c := range codes {
		out[i] = byCode[c]
		if out[i] != nil {
			found = append(found, c)
		} else {
			missing = append(missing, c)
		}
	}
	if err := r.audit(ctx, acc, "_entities.Holder", models.UseOther, models.OutcomeNotFound, "", missing...); err != nil {
		return nil, err
	}
	return out, r.audit(ctx, acc, "_entities.Holder", models.UseOther, models.OutcomeOK, "", found...)
}

// FindManyCertificateByIDs resolves a batch of Certificate references. The
// reason for the read comes from the X-Use-For header, and every certificate
// returned is audited like any other read.
func (r *entityResolver) FindManyCertificateByIDs(ctx context.Context, reps []*model.CertificateByIDsInput) ([]*models.Certificate, error) {
	acc, err := r.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	st := stateOf(ctx)
	useFor, perr := models.ParseUseFor(st.UseFor)
	if perr != nil {
		return nil, models.Invalid("X-Use-For", "header is required to resolve Certificate entities: %s", perr)
	}
	ids := make([]string, 0, len(reps))
	for _, rep := range reps {
		if _, err := ident.ParseCertID(rep.ID); err != nil {
			return nil, models.Invalid("representations.id", "is not a valid certificate identifier: %s", err)
		}
		ids = append(ids, rep.ID)
	}
	cs, err := r.store.CertificatesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*models.Certificate, len(cs))
	found := make([]string, 0, len(cs))
	for i := range cs {
		cs[i].UseFor = useFor
		byID[cs[i].ID] = &cs[i]
		found = append(found, cs[i].ID)
	}
	// The selection is the _entities field's: fragments on Certificate ask
	// for its fields.
	if err := r.primeCertificates(ctx, acc, cs); err != nil {
		return nil, err
	}
	out := make([]*models.Certificate, len(reps))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, r.audit(ctx, acc, "_entities", useFor, models.OutcomeOK, "", found...)
}
