package resolvers

import (
	"context"
	"errors"
	"sync"
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
	certType       catalogueLookup[models.CertificateType]
	dept           catalogueLookup[models.Department]
	holderType     catalogueLookup[models.HolderType]
	files          primedFiles
	// holders are the ids primeHolder gave holderByID: the loader cannot be
	// asked what it holds without loading.
	holders sync.Map
}

// primeHolder gives this request's holder loader a holder already read, so
// Certificate.holder and primeHolders do not read it again.
func (l *loaders) primeHolder(h *models.Holder) {
	l.holderByID.Prime(h.ID, h)
	l.holders.Store(h.ID, true)
}

// primedFiles is the layout-file metadata of the certificates a list loaded
// for this request in one statement (primeCertificates); a nil value says
// the certificate has no file.
type primedFiles struct {
	mu sync.Mutex
	m  map[string]*models.CertificateFile
}

// get returns a copy of the primed metadata of certID, and whether it was primed.
func (p *primedFiles) get(certID string) (*models.CertificateFile, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.m[certID]
	if f == nil {
		return nil, ok
	}
	c := *f
	return &c, true
}

// put primes the metadata of every certificate in ids (nil: no file).
func (p *primedFiles) put(ids []string, fs []models.CertificateFile) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[string]*models.CertificateFile, len(ids))
	}
	for _, id := range ids {
		p.m[id] = nil
	}
	for i := range fs {
		p.m[fs[i].CertificateID] = &fs[i]
	}
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
		surfacesByCert: dataloadgen.NewMappedLoader(r.surfacesByID, loaderWait),
		certType:       catalogueLookup[models.CertificateType]{r.store},
		dept:           catalogueLookup[models.Department]{r.store},
		holderType:     catalogueLookup[models.HolderType]{r.store},
	}
}

// surfacesByID loads the surfaces of the certificates ids in one
// statement, by certificate (an empty list for one without any).
func (r *Resolver) surfacesByID(ctx context.Context, ids []string) (map[string][]models.Surface, error) {
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
		r.cache.Set(cache.HolderKey(stored.ID), gens[stored.ID], &stored)
		out[hs[i].ID] = &hs[i]
	}
	return out, nil
}

// catalogueLookup reads one catalogue (types, departments, holder types)
// from the store's in-memory copy. It is not a dataloader: a loader waits
// its batching window (2 ms, at every level of the selection) for keys
// that cost nothing to look up.
type catalogueLookup[T store.Catalogue] struct{ s *store.DB }

// Load returns the entry with code, or dataloadgen.ErrNotFound as a loader
// would (callers share notFoundAsNil and mustFind with the loaders).
func (c catalogueLookup[T]) Load(ctx context.Context, code string) (*T, error) {
	rows, err := store.ByCodes[T](ctx, c.s, []string{code})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, dataloadgen.ErrNotFound
	}
	return &rows[0], nil
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
