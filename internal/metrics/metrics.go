// Package metrics counts the node's HTTP requests by route and status and
// serves the counts in the Prometheus text format.
package metrics

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Metrics counts HTTP requests by route and status and sums their
// durations; it serves them in the Prometheus text format.
type Metrics struct {
	mu       sync.Mutex
	started  time.Time
	requests map[[2]string]uint64 // route, status class
	seconds  map[string]float64
}

// New returns empty counters, started now.
func New() *Metrics {
	return &Metrics{started: time.Now(), requests: map[[2]string]uint64{}, seconds: map[string]float64{}}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// route folds paths into a small set of labels (ids in paths would make the
// label set unbounded).
func route(p string) string {
	for _, prefix := range []string{"/api/", "/graphiql", "/files/", "/v/"} {
		if strings.HasPrefix(p, prefix) {
			if prefix == "/api/" {
				return p
			}
			return prefix
		}
	}
	switch p {
	case "/graphql", "/healthz", "/readyz", "/metrics", "/":
		return p
	}
	return "other"
}

// Wrap counts every request next serves.
func (m *Metrics) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		rt := route(r.URL.Path)
		m.mu.Lock()
		m.requests[[2]string{rt, fmt.Sprint(sw.status)}]++
		m.seconds[rt] += time.Since(start).Seconds()
		m.mu.Unlock()
	})
}

// ServeHTTP writes the counters in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP certgraph_uptime_seconds Seconds since the process started.\n# TYPE certgraph_uptime_seconds gauge\ncertgraph_uptime_seconds %.0f\n", time.Since(m.started).Seconds())
	fmt.Fprintf(w, "# HELP certgraph_http_requests_total HTTP requests by route and status.\n# TYPE certgraph_http_requests_total counter\n")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "certgraph_http_requests_total{route=%q,status=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintf(w, "# HELP certgraph_http_request_seconds_total Time spent serving requests by route.\n# TYPE certgraph_http_request_seconds_total counter\n")
	routes := make([]string, 0, len(m.seconds))
	for k := range m.seconds {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	for _, rt := range routes {
		fmt.Fprintf(w, "certgraph_http_request_seconds_total{route=%q} %g\n", rt, m.seconds[rt])
	}
}
