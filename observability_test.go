package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"certgraph/internal/metrics"
	"certgraph/internal/telemetry"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// scrape fetches url and parses it with the Prometheus text parser.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", url, resp.StatusCode, raw)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not the Prometheus text format: %v", url, err)
	}
	return fams, raw
}

// series lists every series (name and labels) of a scrape, sorted.
func series(fams map[string]*dto.MetricFamily) []string {
	var out []string
	for name, f := range fams {
		for _, m := range f.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			out = append(out, name+"{"+strings.Join(ls, ",")+"}")
		}
	}
	sort.Strings(out)
	return out
}

// TestMetricsScrape: /metrics is the Prometheus text format with the
// documented names and types, labels from fixed sets, and thousands of
// unknown paths do not add a series.
func TestMetricsScrape(t *testing.T) {
	e := newTestEnv(t, nil)
	person, _ := e.standardFixture(2, 2)
	accID, tok := e.withRoles("CONSUMER")
	q := `query Holder($c: String!) { holder(code: $c) { name certificates(useFor: SHARED_APPLICATION) { id } } }`
	e.gql(tok, q, map[string]any{"c": person.Code}).must(t)
	e.gql(tok, q, map[string]any{"c": person.Code}).must(t) // the token lookup now hits the cache
	if r := e.gql("", `{ me { id } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("want UNAUTHENTICATED: %s", r.Raw)
	}
	e.gql("", `{ nope`, nil) // a parse error is counted too
	e.legacyJSON("/api/cert/search", map[string]any{"head": map[string]any{"accountId": accID, "accessToken": tok},
		"data": map[string]any{"certificateHolderCode": person.Code, "certificateHolderType": "111", "useFor": "01"}})
	// The national client's calls, through the API it uses.
	e.app.metrics.ObserveNationalCall("44", metrics.NationalOK, 120*time.Millisecond)
	e.app.metrics.ObserveNationalCall("../etc", metrics.NationalOutcome("weird"), time.Second)

	fams, _ := scrape(t, e.url+"/metrics")
	want := map[string]dto.MetricType{
		"certgraph_http_request_duration_seconds":      dto.MetricType_HISTOGRAM,
		"certgraph_http_requests_in_flight":            dto.MetricType_GAUGE,
		"certgraph_graphql_operation_duration_seconds": dto.MetricType_HISTOGRAM,
		"certgraph_graphql_errors_total":               dto.MetricType_COUNTER,
		"certgraph_cache_lookups_total":                dto.MetricType_COUNTER,
		"certgraph_audit_write_duration_seconds":       dto.MetricType_HISTOGRAM,
		"certgraph_audit_records_total":                dto.MetricType_COUNTER,
		"certgraph_national_call_duration_seconds":     dto.MetricType_HISTOGRAM,
		"certgraph_build_info":                         dto.MetricType_GAUGE,
		"go_sql_open_connections":                      dto.MetricType_GAUGE,
		"go_sql_in_use_connections":                    dto.MetricType_GAUGE,
		"go_sql_wait_count_total":                      dto.MetricType_COUNTER,
		"go_goroutines":                                dto.MetricType_GAUGE,
		"go_memstats_heap_alloc_bytes":                 dto.MetricType_GAUGE,
		"process_resident_memory_bytes":                dto.MetricType_GAUGE,
		"process_cpu_seconds_total":                    dto.MetricType_COUNTER,
	}
	for name, typ := range want {
		f, ok := fams[name]
		if !ok {
			t.Errorf("/metrics lacks %s", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is a %s, want %s", name, f.GetType(), typ)
		}
	}
	all := strings.Join(series(fams), "\n")
	for _, s := range []string{
		`certgraph_http_request_duration_seconds{method=POST,route=/graphql,status=2xx}`,
		`certgraph_http_request_duration_seconds{method=POST,route=/api/cert/search,status=2xx}`,
		`certgraph_graphql_operation_duration_seconds{operation=other,type=query}`,
		`certgraph_graphql_operation_duration_seconds{operation=LegacySearch,type=query}`,
		`certgraph_graphql_errors_total{code=UNAUTHENTICATED}`,
		`certgraph_graphql_errors_total{code=GRAPHQL_PARSE_FAILED}`,
		`certgraph_cache_lookups_total{cache=token,result=hit}`,
		`certgraph_audit_write_duration_seconds{result=ok}`,
		`certgraph_national_call_duration_seconds{outcome=ok,region=44}`,
		`certgraph_national_call_duration_seconds{outcome=other,region=other}`,
	} {
		if !strings.Contains(all, s) {
			t.Errorf("no series %s in:\n%s", s, all)
		}
	}
	if v := fams["certgraph_audit_records_total"].Metric[0].GetCounter().GetValue(); v < 2 {
		t.Errorf("audit records %v, want at least the two reads'", v)
	}
	if v := fams["certgraph_cache_lookups_total"]; v == nil {
		t.Fatal("no cache lookups")
	}

	// 3,000 random paths under /api/ and elsewhere: the set of series
	// stays what it was (only the counts of the "other" routes move).
	for _, p := range []string{"/api/x", "/x"} { // make the "other" series exist first
		http.Post(e.url+p, "application/json", strings.NewReader(`{}`))
		http.Get(e.url + p)
	}
	before, rawBefore := scrape(t, e.url+"/metrics")
	paths := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				if resp, err := http.Post(e.url+p, "application/json", strings.NewReader(`{}`)); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	for i := range 3000 {
		p := fmt.Sprintf("/api/%x/%d", rand.Uint64(), i)
		if i%2 == 1 {
			p = fmt.Sprintf("/%x", rand.Uint64())
		}
		paths <- p
	}
	close(paths)
	wg.Wait()
	after, rawAfter := scrape(t, e.url+"/metrics")
	sb, sa := series(before), series(after)
	if strings.Join(sb, "\n") != strings.Join(sa, "\n") {
		t.Errorf("3,000 random paths changed the set of series: %d → %d", len(sb), len(sa))
	}
	if len(rawAfter) > len(rawBefore)+2048 {
		t.Errorf("/metrics grew from %d to %d bytes", len(rawBefore), len(rawAfter))
	}
}

// TestOneTracePerRequest: a GraphQL request that reads the database is one
// trace: HTTP server span → GraphQL operation → resolver → SQL statements,
// continuing the caller's W3C trace context.
func TestOneTracePerRequest(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	e := newTestEnvWith(t, nil, func(a *app) {
		if err := a.trace(telemetry.With(tp)); err != nil {
			t.Fatal(err)
		}
	})
	person, _ := e.standardFixture(2, 2)
	tok := e.consumer()
	skip := len(rec.Ended())

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	e.gql(tok, `query Holder($c: String!) { holder(code: $c) { name certificates(useFor: SHARED_APPLICATION) { id } } }`,
		map[string]any{"c": person.Code}, "traceparent", "00-"+traceID+"-00f067aa0ba902b7-01").must(t)
	spans := rec.Ended()[skip:]
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		if got := s.SpanContext().TraceID().String(); got != traceID {
			t.Errorf("span %q is in trace %s, want the caller's %s", s.Name(), got, traceID)
		}
		byID[s.SpanContext().SpanID()] = s
	}
	// chain walks from a span to the root of the request.
	chain := func(s sdktrace.ReadOnlySpan) []string {
		var names []string
		for s != nil {
			names = append(names, s.Name())
			s = byID[s.Parent().SpanID()]
		}
		return names
	}
	var sqlChains []string
	for _, s := range spans {
		if strings.HasPrefix(s.Name(), "SQL ") {
			c := chain(s)
			sqlChains = append(sqlChains, strings.Join(c, " ← "))
			if q := fmt.Sprint(s.Attributes()); strings.Contains(q, person.Code) {
				t.Errorf("SQL span carries a parameter (citizen id): %s", q)
			}
		}
	}
	want := "POST /graphql"
	found := false
	for _, c := range sqlChains {
		parts := strings.Split(c, " ← ")
		last := parts[len(parts)-1]
		if last != want {
			t.Errorf("SQL span not under the request span: %s", c)
		}
		if len(parts) == 4 && strings.HasPrefix(parts[0], "SQL SELECT") && strings.HasPrefix(parts[1], "resolve Query.holder") &&
			parts[2] == "GraphQL query other" {
			found = true
		}
	}
	if !found {
		t.Errorf("no SQL ← resolve Query.holder ← GraphQL query ← POST /graphql chain among:\n%s", strings.Join(sqlChains, "\n"))
	}
	roots := 0
	for _, s := range spans {
		if _, ok := byID[s.Parent().SpanID()]; !ok {
			roots++
			if s.Name() != want || s.SpanKind() != trace.SpanKindServer {
				t.Errorf("root span %q (%s), want %q server span", s.Name(), s.SpanKind(), want)
			}
		}
	}
	if roots != 1 {
		t.Errorf("%d root spans, want 1", roots)
	}
}

// TestAccessLog: one JSON line per request with method, route, status,
// duration, account and operation; never the token, never the path's
// secrets.
func TestAccessLog(t *testing.T) {
	var buf syncBuffer
	e := newTestEnvWith(t, nil, func(a *app) {
		a.log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	person, _ := e.standardFixture(1, 1)
	id, tok := e.withRoles("CONSUMER")
	buf.Reset()
	// Tracing is off here: the caller's trace is still named in the log.
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	e.gql(tok, `query Holder($c: String!) { holder(code: $c) { name } }`, map[string]any{"c": person.Code},
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01").must(t)
	http.Get(e.url + "/files/secret-link-token-123")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 access lines, got %d:\n%s", len(lines), buf.String())
	}
	g := lines[0]
	if g["method"] != "POST" || g["route"] != "/graphql" || g["status"] != float64(200) || g["account"] != id ||
		g["operation"] != "Holder" || g["operation_type"] != "query" || g["duration_ms"] == nil || g["trace_id"] != traceID {
		t.Errorf("GraphQL access line: %v", g)
	}
	if f := lines[1]; f["route"] != "/files/" || f["status"] == float64(200) {
		t.Errorf("download access line: %v", f)
	}
	for _, secret := range []string{tok, "secret-link-token-123", person.Code, person.Name} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log carries %q:\n%s", secret, buf.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *syncBuffer) Reset()         { s.mu.Lock(); defer s.mu.Unlock(); s.b.Reset() }

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveBinary runs `certgraph serve` from the built binary and waits until
// it answers /healthz on addr.
func serveBinary(t *testing.T, env []string, addr string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(builtBinary(t), append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = env
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("certgraph did not start on %s:\n%s", addr, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAdminAddr: with --admin-addr, /metrics is served there and not on
// the public listener (real process).
func TestAdminAddr(t *testing.T) {
	pub, admin := freeAddr(t), freeAddr(t)
	env := []string{"CERTGRAPH_DATA_DIR=" + t.TempDir(), "CERTGRAPH_DEMO=false", "CERTGRAPH_DATABASE_URL=" + testDatabaseURL(t)}
	serveBinary(t, env, pub, "--admin-addr", admin, "--log-format", "json")
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("http://" + pub + "/metrics"); s != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", s)
	}
	if s := get("http://" + pub + "/readyz"); s != http.StatusOK {
		t.Errorf("public /readyz: %d", s)
	}
	fams, _ := scrape(t, "http://"+admin+"/metrics")
	if _, ok := fams["certgraph_http_request_duration_seconds"]; !ok {
		t.Errorf("admin /metrics lacks the request histogram")
	}
	if s := get("http://" + admin + "/graphql"); s != http.StatusNotFound {
		t.Errorf("admin listener serves /graphql: %d", s)
	}
}

// TestOTLPExportFromEnv: the real binary, given only the standard OTEL_*
// variables, sends its spans over OTLP/HTTP to a collector.
func TestOTLPExportFromEnv(t *testing.T) {
	names := make(chan string, 100)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					select {
					case names <- s.Name:
					default:
					}
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	addr := freeAddr(t)
	env := []string{"CERTGRAPH_DATA_DIR=" + t.TempDir(), "CERTGRAPH_DEMO=false", "CERTGRAPH_DATABASE_URL=" + testDatabaseURL(t),
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL, "OTEL_BSP_SCHEDULE_DELAY=100", "OTEL_SERVICE_NAME=certgraph-test"}
	serveBinary(t, env, addr)
	resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ certificateTypes { code } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.After(20 * time.Second)
	seen := map[string]bool{}
	for !seen["POST /graphql"] {
		select {
		case n := <-names:
			seen[n] = true
		case <-deadline:
			t.Fatalf("no POST /graphql span reached the collector; got %v", seen)
		}
	}
}
