// Package metrics is the node's Prometheus registry and its instruments:
// HTTP requests by route, GraphQL operations and errors, cache lookups,
// audit writes, national dispatch calls, the database pool, the Go
// runtime and the process. Every label takes values from a fixed, small
// set, so the output of /metrics does not grow with what callers send.
//
// A new metric is a field of Metrics, created in New and changed through a
// method (nil-safe, so packages may hold an optional *Metrics), and a row
// in docs/OPERATIONS.md; Register adds a collector another package owns.
package metrics

import (
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every certgraph metric.
const Namespace = "certgraph"

// Other is the label value standing for any value outside a label's fixed set.
const Other = "other"

// Metrics is the node's registry and instruments.
type Metrics struct {
	reg *prometheus.Registry

	httpDuration     *prometheus.HistogramVec
	httpInFlight     prometheus.Gauge
	graphqlDuration  *prometheus.HistogramVec
	graphqlErrors    *prometheus.CounterVec
	graphqlDirect    *prometheus.CounterVec
	auditDuration    *prometheus.HistogramVec
	auditRecords     prometheus.Counter
	nationalDuration *prometheus.HistogramVec

	errorCodes boundedSet
	operations map[string]bool
}

// New returns a registry with the Go runtime, process and build metrics
// and every certgraph instrument registered. operationNames are the
// GraphQL operation names reported as themselves; any other name is
// reported as "other" (callers choose operation names freely).
func New(operationNames []string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), errorCodes: boundedSet{max: 64}, operations: map[string]bool{}}
	for _, n := range operationNames {
		m.operations[n] = true
	}
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help: "HTTP requests by route pattern, method and status class, and how long they took.",
		// 20 ms is a bound of its own: the reads' p99 target (README, Performance).
		Buckets: []float64{.005, .01, .02, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method", "status"})
	m.httpInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
		Help: "HTTP requests being served now.",
	})
	m.graphqlDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "graphql", Name: "operation_duration_seconds",
		Help:    "GraphQL operations (over HTTP and from the legacy endpoints) by operation name and type, and how long they took.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"operation", "type"})
	m.graphqlErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "graphql", Name: "errors_total",
		Help: "GraphQL errors by extensions.code.",
	}, []string{"code"})
	m.graphqlDirect = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "graphql", Name: "direct_total",
		Help: "Queries the direct read path took on, by outcome: answered, or handed back to gqlgen's executor (an error below a root field, a forbidden null, a panic).",
	}, []string{"outcome"})
	m.graphqlDirect.WithLabelValues("answered")
	m.graphqlDirect.WithLabelValues("handed_back")
	m.auditDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "audit", Name: "write_duration_seconds",
		Help:    "Writes of access audit records (one statement per read) by result, and how long they took.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	}, []string{"result"})
	m.auditRecords = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "audit", Name: "records_total",
		Help: "Access audit records written.",
	})
	m.nationalDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "national", Name: "call_duration_seconds",
		Help:    "Calls to the national platform and other provinces' nodes by target region and outcome, and how long they took.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"region", "outcome"})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
		m.httpDuration, m.httpInFlight, m.graphqlDuration, m.graphqlErrors, m.graphqlDirect,
		m.auditDuration, m.auditRecords, m.nationalDuration,
	)
	return m
}

// buildInfo is certgraph_build_info{version, revision, go_version} 1.
func buildInfo() prometheus.Collector {
	version, revision, goVersion := "unknown", "unknown", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		version, goVersion = info.Main.Version, info.GoVersion
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "go_version": goVersion},
	})
	g.Set(1)
	return g
}

// Register adds collectors another package owns (the database pool, the
// cache); it panics on a duplicate, which is a programming error.
func (m *Metrics) Register(cs ...prometheus.Collector) {
	if m != nil {
		m.reg.MustRegister(cs...)
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Gatherer is the registry, for tests and other exporters.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// RequestStarted counts a request in flight; call the returned func when
// it ends.
func (m *Metrics) RequestStarted() func() {
	if m == nil {
		return func() {}
	}
	m.httpInFlight.Inc()
	return m.httpInFlight.Dec
}

// ObserveRequest records a served HTTP request. route must come from a
// fixed set (a route pattern, never a raw path).
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpDuration.WithLabelValues(route, Method(method), StatusClass(status)).Observe(d.Seconds())
}

// Method folds an HTTP method into a fixed set.
func Method(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions:
		return method
	}
	return Other
}

// StatusClass is "2xx", "4xx" …
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return Other
	}
	return strconv.Itoa(status/100) + "xx"
}

// OperationLabel is the label a GraphQL operation name is reported under:
// the name when it is in the allow-list given to New, "anonymous" for
// none, "other" otherwise.
func (m *Metrics) OperationLabel(name string) string {
	switch {
	case m == nil:
		return Other
	case name == "":
		return "anonymous"
	case m.operations[name]:
		return name
	}
	return Other
}

// ObserveOperation records one GraphQL operation; typ is query, mutation
// or subscription.
func (m *Metrics) ObserveOperation(name, typ string, d time.Duration) {
	if m == nil {
		return
	}
	switch typ {
	case "query", "mutation", "subscription":
	default:
		typ = Other
	}
	m.graphqlDuration.WithLabelValues(m.OperationLabel(name), typ).Observe(d.Seconds())
}

// errorCodePattern is what an extensions.code looks like.
var errorCodePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,39}$`)

// ObserveGraphQLError counts an error by its extensions.code ("none" when
// it has none). Codes are set by the server, not by callers; still, at
// most 64 distinct codes are reported, the rest as "other".
func (m *Metrics) ObserveGraphQLError(code string) {
	if m == nil {
		return
	}
	switch {
	case code == "":
		code = "none"
	case !errorCodePattern.MatchString(code):
		code = Other
	default:
		code = m.errorCodes.label(code)
	}
	m.graphqlErrors.WithLabelValues(code).Inc()
}

// ObserveDirectRead counts one query the direct read path took on:
// answered, or handed back to gqlgen.
func (m *Metrics) ObserveDirectRead(answered bool) {
	if m == nil {
		return
	}
	outcome := "answered"
	if !answered {
		outcome = "handed_back"
	}
	m.graphqlDirect.WithLabelValues(outcome).Inc()
}

// ObserveAuditWrite records one write of n audit records.
func (m *Metrics) ObserveAuditWrite(n int, err error, d time.Duration) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	} else {
		m.auditRecords.Add(float64(n))
	}
	m.auditDuration.WithLabelValues(result).Observe(d.Seconds())
}

// NationalOutcome is how a call to the national platform (or another
// province's node) ended.
type NationalOutcome string

// The outcomes of a national call.
const (
	NationalOK          NationalOutcome = "ok"           // answered with what was asked
	NationalNotFound    NationalOutcome = "not_found"    // answered: no such certificate
	NationalRefused     NationalOutcome = "refused"      // answered with a refusal (authentication, authorisation, bad request)
	NationalTimeout     NationalOutcome = "timeout"      // no answer within the deadline
	NationalUnavailable NationalOutcome = "unavailable"  // connection failed or 5xx
	NationalBadAnswer   NationalOutcome = "bad_response" // answered with something that does not decode or verify
)

var nationalOutcomes = map[NationalOutcome]bool{NationalOK: true, NationalNotFound: true, NationalRefused: true,
	NationalTimeout: true, NationalUnavailable: true, NationalBadAnswer: true}

// ObserveNationalCall records one call to the national platform or a
// province node: region is the target's 2-digit GB/T 2260 province code
// ("00" for the national hub); anything else is reported as "other".
func (m *Metrics) ObserveNationalCall(region string, outcome NationalOutcome, d time.Duration) {
	if m == nil {
		return
	}
	if len(region) != 2 || region[0] < '0' || region[0] > '9' || region[1] < '0' || region[1] > '9' {
		region = Other
	}
	if !nationalOutcomes[outcome] {
		outcome = Other
	}
	m.nationalDuration.WithLabelValues(region, string(outcome)).Observe(d.Seconds())
}

// boundedSet admits the first max distinct values as labels, the rest as
// "other".
type boundedSet struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func (b *boundedSet) label(v string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if b.seen[v] {
		return v
	}
	if len(b.seen) >= b.max {
		return Other
	}
	b.seen[v] = true
	return v
}

// RegisterCacheLookups reports the read cache's lookups as
// certgraph_cache_lookups_total{cache, result}, read from lookups at each
// scrape; kinds is the cache's fixed set of entry kinds.
func (m *Metrics) RegisterCacheLookups(kinds []string, lookups func(kind string) (hits, misses uint64)) {
	if m == nil {
		return
	}
	for _, k := range kinds {
		for _, result := range []string{"hit", "miss"} {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Namespace: Namespace, Subsystem: "cache", Name: "lookups_total",
				Help:        "Read cache lookups by kind of entry and result.",
				ConstLabels: prometheus.Labels{"cache": k, "result": result},
			}, func() float64 {
				h, miss := lookups(k)
				if result == "hit" {
					return float64(h)
				}
				return float64(miss)
			}))
		}
	}
}
