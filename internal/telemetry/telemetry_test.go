package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTransportPropagates: an outgoing call made through Transport carries
// the W3C traceparent of the span it is made under, and is a client span.
func TestTransportPropagates(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("traceparent") }))
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, span := tp.Tracer("test").Start(context.Background(), "dispatch")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/national", nil)
	resp, err := (&http.Client{Transport: Transport(nil, tp)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	span.End()
	tid := span.SpanContext().TraceID().String()
	if !strings.HasPrefix(got, "00-"+tid+"-") {
		t.Errorf("traceparent %q, want trace %s", got, tid)
	}
	ended := rec.Ended()
	if len(ended) != 2 || ended[0].Parent().SpanID() != span.SpanContext().SpanID() || !strings.HasPrefix(ended[0].Name(), "HTTP POST ") {
		t.Errorf("client span: %v", ended)
	}
}

// TestRoute: routes come from the mux's patterns and the fixed subtree
// paths, never from the raw path.
func TestRoute(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/api/", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /{$}", func(http.ResponseWriter, *http.Request) {})
	known := map[string]map[string]bool{"/api/": {"/api/cert/search": true}}
	for path, want := range map[string]string{
		"/files/abc.def": "/files/", "/api/cert/search": "/api/cert/search", "/api/cert/../x": "/api/other",
		"/api/zzz": "/api/other", "/": "/", "/nothing": "other",
	} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		mux.ServeHTTP(httptest.NewRecorder(), r)
		if got := route(r, known); got != want {
			t.Errorf("%s: route %q, want %q", path, got, want)
		}
	}
}

// TestFromEnvOff: no OTEL_* variables, no exporter; an unsupported one is refused.
func TestFromEnvOff(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tr, err := FromEnv(context.Background(), env(nil))
	if err != nil || tr.Exporting {
		t.Errorf("unset: %v %v", tr, err)
	}
	if tr, err = FromEnv(context.Background(), env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "none"})); err != nil || tr.Exporting {
		t.Errorf("none: %v %v", tr, err)
	}
	if _, err = FromEnv(context.Background(), env(map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"})); err == nil {
		t.Error("zipkin accepted")
	}
	if _, err = FromEnv(context.Background(), env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})); err == nil {
		t.Error("grpc accepted")
	}
	tr, err = FromEnv(context.Background(), env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}))
	if err != nil || !tr.Exporting {
		t.Errorf("endpoint set: %v %v", tr, err)
	}
	tr.Shutdown(context.Background())
}
