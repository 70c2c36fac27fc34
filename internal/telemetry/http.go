package telemetry

import (
	"log/slog"
	"net/http"
	"strings"

	"certgraph/internal/metrics"
	"certgraph/internal/reqinfo"

	"github.com/felixge/httpsnoop"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTPOptions configures Middleware.
type HTTPOptions struct {
	Metrics *metrics.Metrics
	Tracing *Tracing
	// Log receives one access line per request at INFO.
	Log *slog.Logger
	// Subtrees maps a subtree pattern (e.g. "/api/") to the fixed paths
	// under it that are routes of their own (the legacy endpoints); any
	// other path under it is the route "<subtree>other".
	Subtrees map[string][]string
}

// Middleware wraps mux (a *http.ServeMux, whose matched pattern names the
// route): each request becomes a server span (continuing an incoming W3C
// trace context), is counted and timed by route, method and status class,
// and gets one access log line. The route is the mux pattern, never the raw
// path: paths carry tokens and encrypted identifiers, and an unbounded set
// of paths would make an unbounded set of metric series.
func Middleware(mux http.Handler, o HTTPOptions) http.Handler {
	if o.Log == nil {
		o.Log = discardLogger
	}
	if o.Tracing == nil {
		o.Tracing = Off()
	}
	known := map[string]map[string]bool{}
	for sub, paths := range o.Subtrees {
		known[sub] = map[string]bool{}
		for _, p := range paths {
			known[sub][p] = true
		}
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := o.Metrics.RequestStarted()
		defer done()
		ctx, access := reqinfo.WithAccess(r.Context())
		r = r.WithContext(ctx)
		m := httpsnoop.CaptureMetrics(mux, w, r)
		rt := route(r, known)
		span := trace.SpanFromContext(ctx)
		span.SetName(r.Method + " " + rt)
		span.SetAttributes(attribute.String("http.route", rt))
		o.Metrics.ObserveRequest(rt, r.Method, m.Code, m.Duration)
		account, op, opType := access.Fields()
		attrs := []slog.Attr{
			slog.String("method", metrics.Method(r.Method)), slog.String("route", rt), slog.Int("status", m.Code),
			slog.Float64("duration_ms", float64(m.Duration.Microseconds())/1000), slog.Int64("bytes", m.Written),
		}
		if account != "" {
			attrs = append(attrs, slog.String("account", account))
		}
		if op != "" || opType != "" {
			attrs = append(attrs, slog.String("operation", clip(op, 64)), slog.String("operation_type", opType))
		}
		if sc := span.SpanContext(); sc.HasTraceID() {
			attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()))
		}
		o.Log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
	if !o.Tracing.Recording() {
		// Nothing is recorded: only the caller's trace context is taken from
		// the headers (the access log names its trace, calls to other nodes
		// carry it on), without otelhttp's wrapping of every request (about
		// 4 % of a cache-hot read's CPU for a span nobody keeps).
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(w, r.WithContext(Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))))
		})
	}
	return otelhttp.NewHandler(inner, "HTTP", otelhttp.WithTracerProvider(o.Tracing.Provider), otelhttp.WithPropagators(Propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
}

// route is the request's route label: the ServeMux pattern that matched
// (without its method), a known path under a subtree, "<subtree>other",
// or "other" when nothing matched.
func route(r *http.Request, known map[string]map[string]bool) string {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return metrics.Other
	}
	p = strings.TrimSuffix(p, "{$}")
	if paths, ok := known[p]; ok {
		if paths[r.URL.Path] {
			return r.URL.Path
		}
		return p + metrics.Other
	}
	return p
}

// clip keeps operation names printable and short in the log.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
