package resolvers

import (
	"context"
	"errors"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/store"
	"certgraph/models"

	"github.com/vikstrous/dataloadgen"
)

// loaders batch the graph's lookups within one request, so a holder with N
// certificates of M surfaces costs a constant number of queries (no N+1).
type loaders struct {
	holderByID     *dataloadgen.Loader[int64, *models.Holder]
	certsByHolder  *dataloadgen.Loader[int64, []models.Certificate]
	surfacesByCert *dataloadgen.Loader[string, []models.Surface]
	certType       *dataloadgen.Loader[string, *models.CertificateType]
	dept           *dataloadgen.Loader[string, *models.Department]
	holderType     *dataloadgen.Loader[string, *models.HolderType]
}

// loaderWait is how long a loader collects keys before it queries: long
// enough for gqlgen's concurrent field resolvers to join one batch, short
// enough not to show in latency (the library's default is 16ms per level).
var loaderWait = dataloadgen.WithWait(2 * time.Millisecond)

func (r *Resolver) newLoaders() *loaders {
	return &loaders{
		holderByID: dataloadgen.NewMappedLoader(r.holdersByID, loaderWait),
		certsByHolder: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64][]models.Certificate, error) {
			cs, err := r.store.CertificatesOfHolders(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[int64][]models.Certificate, len(ids))
			for _, id := range ids {
				out[id] = nil
			}
			for _, c := range cs {
				out[c.HolderID] = append(out[c.HolderID], c)
			}
			return out, nil
		}, loaderWait),
		surfacesByCert: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]models.Surface, error) {
			ss, err := r.store.SurfacesOf(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[string][]models.Surface, len(ids))
			for _, id := range ids {
				out[id] = []models.Surface{}
			}
			for _, s := range ss {
				out[s.CertificateID] = append(out[s.CertificateID], s)
			}
			return out, nil
		}, loaderWait),
		certType:   catalogueLoader[models.CertificateType](r, func(t *models.CertificateType) string { return t.Code }),
		dept:       catalogueLoader[models.Department](r, func(d *models.Department) string { return d.Code }),
		holderType: catalogueLoader[models.HolderType](r, func(t *models.HolderType) string { return t.Code }),
	}
}

// holdersByID loads holders through the node cache (the writer invalidates a
// holder whenever one of its certificates is written, which is how holders
// change).
func (r *Resolver) holdersByID(ctx context.Context, ids []int64) (map[int64]*models.Holder, error) {
	out := make(map[int64]*models.Holder, len(ids))
	var missing []int64
	gens := map[int64]uint64{}
	for _, id := range ids {
		key := cache.HolderKey(id)
		if v, ok := r.cache.Get(key); ok {
			h := *v.(*models.Holder)
			out[id] = &h
			continue
		}
		gens[id] = r.cache.Generation(key)
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return out, nil
	}
	hs, err := r.store.HoldersByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i := range hs {
		stored := hs[i]
		r.cache.Set(cache.HolderKey(stored.ID), gens[stored.ID], &stored, 1)
		out[hs[i].ID] = &hs[i]
	}
	return out, nil
}

func catalogueLoader[T store.Catalogue](r *Resolver, key func(*T) string) *dataloadgen.Loader[string, *T] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, codes []string) (map[string]*T, error) {
		rows, err := store.ByCodes[T](ctx, r.store, codes)
		if err != nil {
			return nil, err
		}
		out := make(map[string]*T, len(rows))
		for i := range rows {
			out[key(&rows[i])] = &rows[i]
		}
		return out, nil
	}, loaderWait)
}

func (r *Resolver) loadersOf(ctx context.Context) *loaders {
	if st := stateOf(ctx); st != nil {
		return st.loaders
	}
	return r.newLoaders()
}

// notFoundAsNil turns a loader's not-found into (nil, nil).
func notFoundAsNil[T any](v *T, err error) (*T, error) {
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// mustFind turns a loader's not-found into an internal error: the row is
// referenced by another and must exist.
func mustFind[T any](what, key string) func(v *T, err error) (*T, error) {
	return func(v *T, err error) (*T, error) {
		if errors.Is(err, dataloadgen.ErrNotFound) {
			return nil, models.Errorf(models.EINTERNAL, "%s %q referenced but missing", what, key)
		}
		return v, err
	}
}
