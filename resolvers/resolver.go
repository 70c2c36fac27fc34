// Package resolvers holds the rules of reading and changing certificate
// data: authentication and roles, masking, useFor, audit, the read cache
// and the decision where a certificate lives. Resolvers are thin: one file
// per graph type, reading through internal/store and writing through
// internal/issuing (which owns what may be stored).
package resolvers

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"certgraph/graph"
	"certgraph/internal/cache"
	"certgraph/internal/issuing"
	"certgraph/internal/keys"
	"certgraph/internal/metrics"
	"certgraph/internal/ratelimit"
	"certgraph/internal/store"
	"certgraph/models"
)

// Config is what the resolvers need to know about this node.
type Config struct {
	// Region is this node's province code (GB/T 2260), e.g. "51".
	Region string
	// RegionName is the province's name (e.g. 四川省), shown on public pages.
	RegionName string
	// TokenTTL is how long an access token stays valid after it is issued.
	TokenTTL time.Duration
	// AutoApprove lists the networks whose registrations are approved at once.
	AutoApprove []netip.Prefix
	// PublicURL, if set, is the base of links and code payloads (e.g.
	// https://zz.sczwfw.gov.cn); otherwise the request's own host is used.
	PublicURL string
	// AllowedHosts are the Host header values (without port) links may be
	// built from when PublicURL is empty; other hosts are refused.
	AllowedHosts []string
	// Limits are the per-node rate limits; nil limiters limit nothing.
	Limits Limits
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limits are the rate limits the resolvers apply (in-memory, per node).
type Limits struct {
	// Account limits requests per authenticated account.
	Account *ratelimit.Limiter
	// Registrations limits registerSystem per client address.
	Registrations *ratelimit.Limiter
	// MaskedLookups limits lookups by holder code per masked (analyst)
	// account, each alias counted: a masked code cannot be completed by
	// trying candidates.
	MaskedLookups *ratelimit.Limiter
}

// Resolver is the root of the graph's resolvers and the holder of their
// dependencies.
type Resolver struct {
	store    *store.DB
	writer   *issuing.Writer
	log      *slog.Logger
	cfg      Config
	cache    *cache.Cache
	trust    *keys.Trust
	auditLog *store.AuditLog
	nat      *National
	// metrics is nil-safe: nil records nothing.
	metrics *metrics.Metrics
}

// Deps are the resolvers' collaborators: the store they read, the write
// path, the node's cache (shared with the writer) and its keys.
type Deps struct {
	Store  *store.DB
	Writer *issuing.Writer
	Cache  *cache.Cache
	Keys   *keys.Trust
	// Audit writes the access records; nil starts one on Store (its writers
	// then live as long as the process).
	Audit *store.AuditLog
	// National links this process to other regions; nil: none (a node
	// without a hub answers other provinces' certificates UNAVAILABLE).
	National *National
	// Metrics records audit writes; nil records nothing.
	Metrics *metrics.Metrics
}

// New returns the resolver root over its dependencies.
func New(d Deps, log *slog.Logger, cfg Config) (*Resolver, error) {
	if d.Keys == nil || d.Store == nil || d.Writer == nil || d.Cache == nil {
		return nil, fmt.Errorf("resolvers: missing a dependency (store, writer, cache or keys)")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 30 * 24 * time.Hour
	}
	if cfg.Region == "" {
		cfg.Region = "51"
	}
	if cfg.RegionName == "" {
		cfg.RegionName = store.RegionName(cfg.Region)
	}
	if d.Audit == nil {
		d.Audit = d.Store.NewAuditLog(store.AuditLogConfig{})
	}
	return &Resolver{store: d.Store, writer: d.Writer, log: log, cfg: cfg, cache: d.Cache, trust: d.Keys, auditLog: d.Audit, nat: d.National, metrics: d.Metrics}, nil
}

// today is the current calendar date in China Standard Time, the zone the
// certificates' dates are written in.
func (r *Resolver) today() models.Date {
	return models.DateOf(r.cfg.Now().In(chinaTime))
}

var chinaTime = time.FixedZone("CST", 8*3600)

// Executable roots: gqlgen asks for one resolver value per graph type.

// Query returns the Query resolvers.
func (r *Resolver) Query() graph.QueryResolver { return &queryResolver{r} }

// Mutation returns the Mutation resolvers.
func (r *Resolver) Mutation() graph.MutationResolver { return &mutationResolver{r} }

// Holder returns the Holder field resolvers.
func (r *Resolver) Holder() graph.HolderResolver { return &holderResolver{r} }

// Certificate returns the Certificate field resolvers.
func (r *Resolver) Certificate() graph.CertificateResolver { return &certificateResolver{r} }

// Account returns the Account field resolvers.
func (r *Resolver) Account() graph.AccountResolver { return &accountResolver{r} }

// AccessRecord returns the AccessRecord field resolvers.
func (r *Resolver) AccessRecord() graph.AccessRecordResolver { return &accessRecordResolver{r} }

// Entity returns the federation entity resolvers.
func (r *Resolver) Entity() graph.EntityResolver { return &entityResolver{r} }

type queryResolver struct{ *Resolver }
type mutationResolver struct{ *Resolver }
