package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The driver counts every failed answer as an error and only answers that
// pass the check as successes, in closed and in paced mode.
func TestDriveCountsErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"data":{"certificate":{}}}`)
	}))
	defer srv.Close()
	tg := target{url: srv.URL, header: http.Header{}, body: func(int64) []byte { return []byte("{}") },
		check: gqlCheck(`{"data":{"certificate":{`)}
	for _, rate := range []float64{0, 200} {
		n.Store(0)
		r := drive(context.Background(), newClient(4), "test", tg, 4, 100*time.Millisecond, 500*time.Millisecond, rate, 0)
		if r.ok == 0 || r.errors == 0 {
			t.Fatalf("rate %v: %d ok, %d errors; want both", rate, r.ok, r.errors)
		}
		// One answer in four fails; warm-up answers are not counted.
		if frac := float64(r.errors) / float64(r.ok+r.errors); frac < 0.2 || frac > 0.3 {
			t.Errorf("rate %v: error fraction %.2f, want 0.25", rate, frac)
		}
		if r.firstError == "" || r.p50 <= 0 || r.p99 < r.p50 {
			t.Errorf("rate %v: first error %q, p50 %s, p99 %s", rate, r.firstError, r.p50, r.p99)
		}
		if rate > 0 && (r.ok+r.errors < 80 || r.ok+r.errors > 120) {
			t.Errorf("paced at %v rps for 0.5 s: %d requests, want about 100", rate, r.ok+r.errors)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(ds, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 = %s, want 50ms", p)
	}
	if p := percentile(ds, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 = %s, want 99ms", p)
	}
	if p := percentile(nil, 0.99); p != 0 {
		t.Errorf("p99 of nothing = %s, want 0", p)
	}
}

// A certificate's status follows certgraph's rule: revoked, then not yet
// valid, then expired, else valid.
func TestStatus(t *testing.T) {
	until := "2026-01-01"
	for _, c := range []struct {
		doc  certDoc
		want string
	}{
		{certDoc{ValidFrom: "2020-01-01", ValidUntil: &until, revoked: true}, "REVOKED"},
		{certDoc{ValidFrom: "2027-01-01"}, "NOT_YET_VALID"},
		{certDoc{ValidFrom: "2020-01-01", ValidUntil: &until}, "EXPIRED"},
		{certDoc{ValidFrom: "2020-01-01"}, "VALID"},
	} {
		if got := c.doc.status("2026-06-01"); got != c.want {
			t.Errorf("%+v: %s, want %s", c.doc, got, c.want)
		}
	}
	if got := (&certDoc{ValidFrom: "2020-01-01", ValidUntil: &until}).status("2026-01-01"); got != "VALID" {
		t.Errorf("on its last day: %s, want VALID", got)
	}
}

// The server's p99 comes from its own histogram for the target's route
// only, over the window between two readings, as the bound of the bucket
// that holds it.
func TestServerHistogram(t *testing.T) {
	var graphql atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := graphql.Load()
		// 0.005: 90 % of the requests; 0.025: 99.5 %; the rest above 0.1.
		fmt.Fprintf(w, "# TYPE certgraph_http_request_duration_seconds histogram\n")
		for _, b := range []struct {
			le   string
			frac float64
		}{{"0.005", 0.9}, {"0.01", 0.9}, {"0.025", 0.995}, {"0.1", 0.995}, {"+Inf", 1}} {
			fmt.Fprintf(w, "certgraph_http_request_duration_seconds_bucket{method=\"POST\",route=\"/graphql\",status=\"2xx\",le=%q} %g\n", b.le, b.frac*float64(n))
			// Another route, and the errors of this one, which count too.
			fmt.Fprintf(w, "certgraph_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/cert/info/by-id\",status=\"2xx\",le=%q} 1e6\n", b.le)
			fmt.Fprintf(w, "certgraph_http_request_duration_seconds_bucket{method=\"POST\",route=\"/graphql\",status=\"4xx\",le=%q} 0\n", b.le)
		}
	}))
	defer srv.Close()
	tg := target{url: "http://127.0.0.1:1/graphql", metrics: srv.URL}
	graphql.Store(1000)
	before, err := serverHistogram(tg)
	if err != nil {
		t.Fatal(err)
	}
	graphql.Store(3000)
	after, err := serverHistogram(tg)
	if err != nil {
		t.Fatal(err)
	}
	w := after.since(before)
	if w[math.Inf(1)] != 2000 || w[0.005] != 1800 {
		t.Fatalf("window %v, want 2000 requests, 1800 of them within 5 ms", w)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.9, 5 * time.Millisecond}, {0.99, 25 * time.Millisecond}, {0.999, -1}} {
		if got := w.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := (histogram{}).quantile(0.99); got != 0 {
		t.Errorf("empty histogram's p99 %v, want 0", got)
	}
	if _, err := serverHistogram(target{url: tg.url}); err == nil {
		t.Error("a bare target has a server histogram")
	}
	if serverMS(25*time.Millisecond) != "≤ 25 ms" || serverMS(2500*time.Microsecond) != "≤ 2.5 ms" || serverMS(0) != "—" {
		t.Errorf("serverMS: %q %q %q", serverMS(25*time.Millisecond), serverMS(2500*time.Microsecond), serverMS(0))
	}
}
