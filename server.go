// Command certgraph serves the electronic-certificate graph of DB51/T
// 2942—2022: GraphQL for portals and analysts, the spec's POST JSON
// endpoints for legacy systems, over SQLite (embedded) or MySQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"certgraph/graph"
	"certgraph/internal/cache"
	"certgraph/internal/gqllimits"
	"certgraph/internal/graphiql"
	"certgraph/internal/invalidate"
	"certgraph/internal/issuing"
	"certgraph/internal/keys"
	"certgraph/internal/metrics"
	"certgraph/internal/national"
	"certgraph/internal/nodeid"
	"certgraph/internal/overhttp"
	"certgraph/internal/ratelimit"
	"certgraph/internal/reqinfo"
	"certgraph/internal/store"
	"certgraph/internal/telemetry"
	"certgraph/internal/web"
	"certgraph/legacy"
	"certgraph/resolvers"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/dgraph-io/ristretto/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A read allocates a few hundred kilobytes that die with it; at Go's
	// default (GOGC=100) a loaded node spent about 6 % of its CPU collecting
	// a heap of tens of megabytes. Collecting at 200 % halves that. GOGC
	// (and GOMEMLIMIT) in the environment still decide when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	// At 200 % the heap may grow to three times what is live (the cache
	// alone keeps up to 64 MiB): a soft limit makes the collector work
	// harder near 192 MiB instead: a node under uncached load at one million
	// certificates peaked at ~200 MiB RSS (233 MiB without) at the same
	// throughput. It never refuses memory; GOMEMLIMIT decides when set.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(192 << 20)
	}
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		// The one place an error is printed.
		fmt.Fprintln(os.Stderr, "certgraph:", err)
		os.Exit(1)
	}
}

// app is the running node's dependencies.
type app struct {
	cfg      *config
	log      *slog.Logger
	store    *store.DB
	keys     *keys.Trust
	cache    *cache.Cache
	writer   *issuing.Writer
	resolver *resolvers.Resolver
	metrics  *metrics.Metrics
	audit    *store.AuditLog
	tracing  *telemetry.Tracing
	national *resolvers.National
	// Set by startNode (serve only): the invalidation tailer and the
	// replica router; stopNode ends them.
	tailer   *invalidate.Tailer
	replicas *store.Replicas
	stopNode func()
	// addresses is the per-client-address rate limit of every surface.
	addresses *ratelimit.Limiter
}

// open connects the store, migrates it and builds the resolvers.
func open(ctx context.Context, cfg *config, log *slog.Logger) (*app, error) {
	db, err := store.Open(cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrated", "versions", applied, "dialect", db.Dialect())
	}
	// Bounded from here on: migrations may take long, requests may not.
	db.SetTimeout(cfg.DBTimeout)
	trust, err := keys.Load(cfg.KeyDir, cfg.EncryptedIDTTL, cfg.FileLinkTTL)
	if err != nil {
		db.Close()
		return nil, err
	}
	c, err := cache.New(cfg.CacheTTL)
	if err != nil {
		db.Close()
		return nil, err
	}
	m := metrics.New(append(append([]string{"IntrospectionQuery"}, legacy.OperationNames()...), cfg.MetricsOperationNames...))
	m.Register(db.PoolCollector())
	m.RegisterCacheLookups(cache.Kinds, c.Lookups)
	nat, err := newNational(cfg, db, trust)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: db, keys: trust, cache: c, writer: issuing.NewWriter(db, c, trust, store.RegionName(cfg.Region), nil), metrics: m, tracing: telemetry.Off(), national: nat,
		addresses: ratelimit.New(cfg.RateAddress, nil)}
	a.writer.Announce(cfg.NodeName, nil)
	db.AnnounceCatalogueChanges(cfg.NodeName)
	a.audit = db.NewAuditLog(store.AuditLogConfig{})
	a.resolver, err = resolvers.New(resolvers.Deps{Store: db, Writer: a.writer, Cache: c, Keys: trust, Metrics: m, National: nat, Audit: a.audit}, log, resolvers.Config{
		Region: cfg.Region, RegionName: store.RegionName(cfg.Region), TokenTTL: cfg.TokenTTL, AutoApprove: cfg.AutoApprove, PublicURL: cfg.PublicURL,
		AllowedHosts: cfg.AllowedHosts,
		Limits: resolvers.Limits{Account: ratelimit.New(cfg.RateAccount, nil), Registrations: ratelimit.New(cfg.RateRegistrations, nil),
			MaskedLookups: ratelimit.New(cfg.RateMaskedLookups, nil)},
	})
	if err != nil {
		a.close()
		return nil, err
	}
	if cfg.BootstrapAdminToken != "" {
		if err := a.resolver.EnsureBootstrapAdmin(ctx, cfg.BootstrapAdminToken); err != nil {
			a.close()
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
	}
	return a, nil
}

// trace sends the node's spans (HTTP, GraphQL, SQL) to t.
func (a *app) trace(t *telemetry.Tracing) error {
	if t.Recording() {
		if err := a.store.Trace(t.Provider); err != nil {
			return err
		}
		if d := a.national.Dispatcher; d != nil && d.Client.HTTP != nil {
			// Calls to other regions carry the trace (W3C traceparent).
			d.Client.HTTP.Transport = telemetry.Transport(d.Client.HTTP.Transport, t.Provider)
		}
	}
	a.tracing = t
	return nil
}

func (a *app) close() {
	if a.stopNode != nil {
		a.stopNode()
	}
	if a.audit != nil {
		a.audit.Close()
	}
	a.cache.Close()
	a.store.Close()
}

// startNode makes the app one node among several on its database: it
// checks that this node's keys are the ones the others use, starts tailing
// the invalidation log (the cache serves only while the tailer is fresh)
// and routes reads to the replicas. It refuses to start when the keys
// differ or the log cannot be read.
func (a *app) startNode(ctx context.Context) error {
	if err := nodeid.Check(ctx, a.store, a.cfg.NodeName, nodeid.KeysOf(a.keys)); err != nil {
		return err
	}
	t, err := invalidate.New(a.store, nodeCaches{a.cache, a.store}, invalidate.Config{Node: a.cfg.NodeName, Log: a.log})
	if err != nil {
		return err
	}
	if err := t.Start(ctx); err != nil {
		return fmt.Errorf("cannot start without reading the cache invalidation log: %w", err)
	}
	a.tailer = t
	a.cache.SetGate(t)
	a.metrics.Register(t.Collector())
	a.writer.Announce(a.cfg.NodeName, t)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { t.Run(runCtx); close(done) }()
	a.stopNode = func() { cancel(); <-done }
	if len(a.cfg.ReplicaURLs) > 0 {
		r, err := a.store.UseReplicas(store.ReplicaConfig{URLs: a.cfg.ReplicaURLs, Writes: t, MaxLag: a.cfg.ReplicaMaxLag, Log: a.log})
		if err != nil {
			return err
		}
		a.replicas = r
		a.metrics.Register(r.Collector())
		r.Run(runCtx)
		a.stopNode = func() { cancel(); <-done; r.Close() }
	}
	return nil
}

// ready reports whether the node may serve: the database answers with the
// current schema, and the cache is in step with the invalidation log.
func (a *app) ready(ctx context.Context) error {
	if err := a.store.Ready(ctx); err != nil {
		return err
	}
	if a.tailer != nil && !a.tailer.Fresh() {
		st := a.tailer.Status()
		return fmt.Errorf("invalidation log not read since %s (%s): the cache serves nothing", st.LastRead.UTC().Format(time.RFC3339Nano), st.LastError)
	}
	return nil
}

// status is the tailer's and each replica's state, one line each, for /readyz.
func (a *app) status() []string {
	var out []string
	if a.tailer != nil {
		st := a.tailer.Status()
		fresh := "fresh"
		if !st.Fresh {
			fresh = "stale"
		}
		l := fmt.Sprintf("invalidation: %s node=%s position=%d gaps=%d applied=%d purges=%d last_read=%s",
			fresh, a.cfg.NodeName, st.Position, st.Gaps, st.Applied, st.Purges, st.LastRead.UTC().Format(time.RFC3339Nano))
		if st.LastError != "" {
			l += fmt.Sprintf(" error=%q", st.LastError)
		}
		out = append(out, l)
	}
	if a.replicas != nil {
		for _, r := range a.replicas.Status() {
			l := fmt.Sprintf("replica %s: %s lag=%s reads=%d failures=%d", r.Name, r.State, r.Lag.Round(time.Millisecond), r.Reads, r.Failures)
			if r.LastError != "" {
				l += fmt.Sprintf(" error=%q", r.LastError)
			}
			out = append(out, l)
		}
	}
	return out
}

func serve(ctx context.Context, cfg *config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	tracing, err := telemetry.FromEnv(ctx, cfg.env)
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tracing.Shutdown(flushCtx); err != nil {
			log.Warn("flushing traces", "err", err)
		}
	}()
	if err := a.trace(tracing); err != nil {
		return err
	}
	if tracing.Exporting {
		log.Info("exporting traces over OTLP/HTTP (OTEL_* variables)")
	}
	if err := a.startNode(ctx); err != nil {
		return err
	}
	if cfg.Demo {
		if err := seedDemo(ctx, a, stdout); err != nil {
			return err
		}
	}
	startNational(ctx, a)
	servers := []*http.Server{newHTTPServer(a)}
	if cfg.AdminAddr != "" {
		servers = append(servers, &http.Server{Addr: cfg.AdminAddr, Handler: newAdminServer(a)})
	}
	listeners := make([]net.Listener, len(servers))
	for i, srv := range servers {
		if listeners[i], err = net.Listen("tcp", srv.Addr); err != nil {
			for _, ln := range listeners[:i] {
				ln.Close()
			}
			return err
		}
		if srv.ReadHeaderTimeout == 0 {
			srv.ReadHeaderTimeout, srv.IdleTimeout = 10*time.Second, 2*time.Minute
		}
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	printWelcome(stdout, cfg, listeners[0].Addr().String())
	if len(listeners) > 1 {
		fmt.Fprintf(stdout, "  metrics:   http://%s/metrics (admin listener)\n", listeners[1].Addr())
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}

// newHTTPServer is the node's HTTP server with its timeouts: a request's
// headers must arrive within 10 s and the whole request (body included)
// within --read-timeout, so a client trickling bytes cannot hold a
// connection and its goroutine.
func newHTTPServer(a *app) *http.Server {
	return &http.Server{Addr: a.cfg.Addr, Handler: newServer(a), ReadHeaderTimeout: min(10*time.Second, a.cfg.ReadTimeout), ReadTimeout: a.cfg.ReadTimeout,
		IdleTimeout: 2 * time.Minute}
}

func printWelcome(w io.Writer, cfg *config, addr string) {
	host := addr
	if h, p, err := net.SplitHostPort(addr); err == nil && (h == "::" || h == "0.0.0.0" || h == "") {
		host = "127.0.0.1:" + p
	}
	fmt.Fprintf(w, "certgraph listening on %s (region %s)\n", addr, cfg.Region)
	fmt.Fprintf(w, "  GraphiQL:  http://%s/graphiql\n", host)
	fmt.Fprintf(w, "  GraphQL:   http://%s/graphql\n", host)
	if len(cfg.AutoApprove) > 0 {
		fmt.Fprintf(w, "Get an access token (registrations from %v are approved at once):\n", cfg.AutoApprove)
	} else {
		fmt.Fprintf(w, "Register a system, then have an admin approve it (certgraph accounts approve ID):\n")
	}
	fmt.Fprintf(w, "  curl -s http://%s/graphql -H 'Content-Type: application/json' \\\n", host)
	fmt.Fprintf(w, "    -d '{\"query\":\"mutation { registerSystem(input: {systemName: \\\"demo\\\", systemIp: \\\"127.0.0.1\\\", deptCode: \\\"11510000MB0000001R\\\", deptName: \\\"demo\\\"}) { accountId accessToken status } }\"}'\n")
}

// newServer is the node's HTTP surface.
func newServer(a *app) http.Handler {
	mux := http.NewServeMux()
	gql := newGraphQLHandler(a)
	mux.Handle("/graphql", gqllimits.BodyLimit(a.cfg.MaxBodyBytes, overhttp.Wrap(web.Credentials(a.resolver, gql))))
	mux.Handle("/api/", legacy.New(legacy.Config{Executor: newGraphQLExecutor(a), Requests: a.resolver, MaxBodyBytes: a.cfg.MaxBodyBytes, Log: a.log,
		Admit: func(req *http.Request) (bool, time.Duration) {
			return a.addresses.Allow(reqinfo.RemoteAddr(req).String())
		}}))
	gi := graphiql.Handler(graphiql.Config{Endpoint: "/graphql", DefaultQuery: graphiql.ExampleQuery})
	mux.Handle("/graphiql", gi)
	mux.Handle("/graphiql/", gi)
	ws := a.webServer()
	if a.cfg.AdminAddr == "" {
		ws.Metrics = a.metrics.Handler()
	}
	ws.Register(mux)
	if a.cfg.National.Mode == national.ModeHub {
		mux.Handle("GET "+national.KeyDirectoryPrefix, keyDirectory(a))
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/graphiql", http.StatusFound)
	})
	return telemetry.Middleware(web.LimitAddresses(a.addresses, mux), telemetry.HTTPOptions{Metrics: a.metrics, Tracing: a.tracing, Log: a.log,
		Subtrees: map[string][]string{"/api/": legacy.Paths()}})
}

// newAdminServer is the separate admin listener's surface (--admin-addr):
// /metrics, /healthz, /readyz.
func newAdminServer(a *app) http.Handler { return a.webServer().Admin(a.metrics.Handler()) }

func (a *app) webServer() *web.Server {
	return &web.Server{Files: a.resolver, Verifier: a.resolver, Keys: a.keys, Ready: a.ready, Status: a.status, Log: a.log}
}

// newGraphQLHandler builds the executable schema's HTTP handler with
// explicit transports, caches and limits.
func newGraphQLHandler(a *app) *handler.Server {
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: a.resolver, Complexity: resolvers.Complexity()}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(overhttp.POST{}) // gqlgen's POST, answering as overhttp.Wrap does
	configureGraphQL(a, srv)
	return srv
}

// newGraphQLExecutor builds the in-process executor the legacy adapter runs
// its operations through, configured exactly as the HTTP handler.
func newGraphQLExecutor(a *app) *executor.Executor {
	exec := executor.New(graph.NewExecutableSchema(graph.Config{Resolvers: a.resolver, Complexity: resolvers.Complexity()}))
	configureGraphQL(a, exec)
	return exec
}

// graphQLConfig is what the HTTP handler and the executor share for setup.
type graphQLConfig interface {
	Use(graphql.HandlerExtension)
	SetQueryCache(graphql.Cache[*ast.QueryDocument])
	SetErrorPresenter(graphql.ErrorPresenterFunc)
	SetRecoverFunc(graphql.RecoverFunc)
	SetParserTokenLimit(int)
}

// configureGraphQL sets the caches, limits, error presenter and panic
// recovery, once for both GraphQL surfaces.
func configureGraphQL(a *app, srv graphQLConfig) {
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: newAPQCache()})
	// Request limits (internal/gqllimits): the document is measured before
	// validation, after APQ has expanded it; errors are bounded on the way out.
	srv.Use(gqllimits.Document{MaxTokens: a.cfg.MaxTokens, MaxFields: a.cfg.MaxFields, MaxDirectives: gqllimits.DefaultMaxDirectives,
		Passed: lru.New[struct{}](1000)})
	srv.Use(gqllimits.Depth{Max: a.cfg.MaxDepth})
	srv.Use(gqllimits.Aliases{Fields: resolvers.ExpensiveRootFields, Max: gqllimits.DefaultMaxAliases})
	srv.Use(&gqllimits.Complexity{Limit: a.cfg.MaxComplexity, VariableArgs: resolvers.ComplexityVariableArgs, Known: lru.New[int](1000)})
	srv.Use(gqllimits.Errors{Max: gqllimits.DefaultMaxErrors, MaxMessageBytes: gqllimits.DefaultMaxMessageBytes})
	srv.Use(telemetry.GraphQL{Metrics: a.metrics, Tracing: a.tracing})
	tracingFields := a.tracing != nil && a.tracing.Recording()
	if tracingFields {
		srv.Use(telemetry.GraphQLFields{Tracing: a.tracing})
	}
	presenter := telemetry.CountErrors(a.metrics, resolvers.ErrorPresenter(a.log))
	recoverFunc := func(ctx context.Context, v any) error {
		a.log.ErrorContext(ctx, "panic in resolver", "panic", v)
		return errors.New("internal error")
	}
	// Innermost: see resolvers.AuditFlush.
	srv.Use(a.resolver.AuditFlush())
	if a.cfg.DirectReads && !tracingFields {
		// Inside AuditFlush, and only without field spans: it calls the
		// resolvers itself (resolvers.DirectReads).
		srv.Use(a.resolver.DirectReads(presenter, recoverFunc))
	}
	srv.SetParserTokenLimit(a.cfg.MaxTokens)
	srv.SetErrorPresenter(presenter)
	srv.SetRecoverFunc(recoverFunc)
}

// apqCache keeps automatic persisted queries in ristretto.
type apqCache struct {
	c *ristretto.Cache[string, string]
}

func newAPQCache() graphql.Cache[string] {
	c, err := ristretto.NewCache(&ristretto.Config[string, string]{NumCounters: 1e5, MaxCost: 16 << 20, BufferItems: 64})
	if err != nil {
		panic(err) // only on an invalid constant configuration
	}
	return apqCache{c}
}

func (a apqCache) Get(_ context.Context, key string) (string, bool) { return a.c.Get(key) }
func (a apqCache) Add(_ context.Context, key, value string) {
	a.c.Set(key, value, int64(len(value)))
	a.c.Wait()
}

// nodeCaches is what the invalidation log invalidates on this node: the
// cache, and for InvalidateAll (a catalogue change, a bulk write) also the
// store's in-memory catalogues.
type nodeCaches struct {
	*cache.Cache
	store *store.DB
}

func (n nodeCaches) InvalidateAll() {
	n.store.InvalidateCatalogues()
	n.Cache.InvalidateAll()
}
