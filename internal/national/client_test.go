package national

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/models"
)

type certAnswer struct {
	Certificate *struct {
		ID string `json:"id"`
	} `json:"certificate"`
}

func (a *certAnswer) Validate() error {
	if a.Certificate != nil && a.Certificate.ID == "" {
		return errors.New("a certificate without an id")
	}
	return nil
}

func originHop(t *testing.T, self string, timeout time.Duration) Hop {
	t.Helper()
	h, err := Inbound(http.Header{}, Caller{AccountID: "portal"}, self, time.Now(), timeout)
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Forward(self, HubRegion)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClientSendsHeadersAndDecodes(t *testing.T) {
	var seen http.Header
	var body Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		json.NewDecoder(r.Body).Decode(&body)
		if r.URL.Path != "/graphql" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"certificate":{"id":"X1"}}}`)
	}))
	defer srv.Close()
	c := &Client{Self: "51"}
	hop := originHop(t, "51", 3*time.Second)
	var out certAnswer
	resp, err := c.Do(context.Background(), Target{Region: HubRegion, URL: srv.URL + "/", AccountID: "acc51", Token: "tok"}, hop,
		Request{Query: "query($id: ID!){certificate(id:$id){id}}", Variables: map[string]any{"id": "X1"}}, &out)
	if err != nil || resp.Err() != nil {
		t.Fatal(err, resp.Err())
	}
	if out.Certificate == nil || out.Certificate.ID != "X1" || body.Variables["id"] != "X1" {
		t.Fatalf("out = %+v, sent %+v", out, body)
	}
	for k, want := range map[string]string{
		"Authorization": "Bearer tok", "X-Account-Id": "acc51", HeaderVia: "51",
		HeaderOnBehalfOf: "portal@51", HeaderRequestID: hop.RequestID,
		HeaderDeadline: hop.Deadline.UTC().Format(time.RFC3339Nano),
	} {
		if got := seen.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if _, err := time.Parse(time.RFC3339, seen.Get(HeaderDeadline)); err != nil {
		t.Errorf("deadline is not RFC 3339: %v", err)
	}
}

func TestClientNonsenseNamesTheRegion(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		ctype  string
		body   string
	}{
		"html":            {200, "text/html", "<html>proxy error</html>"},
		"not json":        {200, "application/json", "{nope"},
		"two values":      {200, "application/json", `{"data":{}} {"data":{}}`},
		"empty":           {200, "application/json", `{}`},
		"wrong shape":     {200, "application/json", `{"data":{"certificate":"X1"}}`},
		"fails validate":  {200, "application/json", `{"data":{"certificate":{"id":""}}}`},
		"no message":      {200, "application/json", `{"errors":[{"message":""}]}`},
		"http 500":        {500, "application/json", `{}`},
		"http 401":        {401, "application/json", `{}`},
		"unauthenticated": {200, "application/json", `{"errors":[{"message":"bad token","extensions":{"code":"UNAUTHENTICATED"}}]}`},
		"too big":         {200, "application/json", `{"data":{"certificate":{"id":"` + strings.Repeat("x", 2000) + `"}}}`},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := &Client{Self: "51", MaxResponseBytes: 1000}
			var out certAnswer
			_, err := c.Do(context.Background(), Target{Region: HubRegion, URL: srv.URL, Token: "t"}, originHop(t, "51", time.Second), Request{Query: "{x}"}, &out)
			var re *RegionError
			if !errors.As(err, &re) || re.Region != HubRegion {
				t.Fatalf("err = %v, want a RegionError naming 00", err)
			}
			if models.ErrorCode(err) != models.EUNAVAILABLE || !strings.Contains(err.Error(), "national platform (00)") {
				t.Fatalf("code %s, message %q", models.ErrorCode(err), err)
			}
		})
	}
}

func TestClientAnswersAreNotFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req Request
		json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		switch req.OperationName {
		case "notfound":
			io.WriteString(w, `{"data":{"certificate":null},"errors":[{"message":"no such certificate","path":["certificate"],"extensions":{"code":"NOT_FOUND"}}]}`)
		case "ownerDown":
			io.WriteString(w, `{"data":null,"errors":[{"message":"the platform of region 50 cannot answer now","path":["certificate"],"extensions":{"code":"UNAVAILABLE","region":"50"}}]}`)
		case "internal":
			io.WriteString(w, `{"data":{"certificate":null},"errors":[{"message":"internal error","path":["certificate"],"extensions":{"code":"INTERNAL"}}]}`)
		case "badInput":
			w.WriteHeader(422)
			io.WriteString(w, `{"errors":[{"message":"id: wrong check character","extensions":{"code":"BAD_USER_INPUT","field":"id"}}]}`)
		}
	}))
	defer srv.Close()
	b := &Breakers{Threshold: 1}
	c := &Client{Self: "51", Breakers: b, TransportOnly: true}
	do := func(op string) (*Response, error) {
		var out certAnswer
		return c.Do(context.Background(), Target{Region: HubRegion, URL: srv.URL, Token: "t"}, originHop(t, "51", time.Second),
			Request{Query: "{x}", OperationName: op}, &out)
	}
	if r, err := do("notfound"); err != nil || models.ErrorCode(r.Err()) != models.ENOTFOUND {
		t.Errorf("notfound: %v", err)
	}
	if _, err := do("ownerDown"); models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Errorf("ownerDown: %v", err)
	} else if reg, _ := FailedRegion(err); reg != "50" {
		t.Errorf("ownerDown names region %q, want 50", reg)
	}
	if r, err := do("badInput"); err != nil || models.ErrorCode(r.Err()) != models.EINVALID || models.ErrorField(r.Err()) != "id" {
		t.Errorf("badInput: %v", err)
	}
	if r, err := do("internal"); err != nil {
		t.Errorf("internal: %v", err)
	} else if reg, _ := FailedRegion(r.Err()); reg != HubRegion || models.ErrorCode(r.Err()) != models.EUNAVAILABLE {
		t.Errorf("a remote INTERNAL error: %v, want UNAVAILABLE naming 00", r.Err())
	}
	if b.State(HubRegion) != Closed {
		t.Fatal("answers counted against the breaker")
	}
}

func TestClientDeadlineAndRetry(t *testing.T) {
	var calls atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	c := &Client{Self: "51"}
	start := time.Now()
	hop := originHop(t, "51", 300*time.Millisecond)
	_, err := c.Do(context.Background(), Target{Region: HubRegion, URL: slow.URL, Token: "t"}, hop, Request{Query: "{x}"}, nil)
	if reg, _ := FailedRegion(err); reg != HubRegion || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("the deadline was not kept: %v", time.Since(start))
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d attempts after a timeout that used the whole deadline, want 1", n)
	}

	// Connection refused: the origin retries once; a relay (Via 51,00 at the hub) never.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	var dials atomic.Int32
	counting := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, n, a)
	}}}
	c = &Client{Self: "51", HTTP: counting}
	_, err = c.Do(context.Background(), Target{Region: HubRegion, URL: dead, Token: "t"}, originHop(t, "51", 2*time.Second), Request{Query: "{x}"}, nil)
	if reg, _ := FailedRegion(err); reg != HubRegion || dials.Load() != 2 {
		t.Fatalf("origin: err %v after %d dials, want 2", err, dials.Load())
	}
	dials.Store(0)
	hub := &Client{Self: HubRegion, HTTP: counting}
	relay := Hop{Via: Via{"51", HubRegion}, RequestID: "r", Deadline: time.Now().Add(2 * time.Second)}
	_, err = hub.Do(context.Background(), Target{Region: "50", URL: dead, Token: "t"}, relay, Request{Query: "{x}"}, nil)
	if reg, _ := FailedRegion(err); reg != "50" || dials.Load() != 1 {
		t.Fatalf("relay: err %v after %d dials, want 1", err, dials.Load())
	}
	if _, err := hub.Do(context.Background(), Target{Region: "50", URL: dead, Token: "t"}, Hop{}, Request{}, nil); err == nil {
		t.Fatal("a hop without a deadline was sent")
	}
	if _, err := hub.Do(context.Background(), Target{Region: "50", URL: "ftp://x", Token: "t"}, relay, Request{}, nil); err == nil {
		t.Fatal("a bad target was sent")
	}
}

func TestClientBreakers(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if fail.Load() {
			io.WriteString(w, "nonsense")
			return
		}
		io.WriteString(w, `{"data":{"x":1}}`)
	}))
	defer srv.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	// Hub: nonsense counts; after Threshold failures the circuit opens and
	// calls fail at once without reaching the region.
	hb := &Breakers{Threshold: 2, Now: clock}
	hub := &Client{Self: HubRegion, Breakers: hb}
	relay := Hop{Via: Via{"51", HubRegion}, RequestID: "r", Deadline: time.Now().Add(time.Second)}
	tgt := Target{Region: "50", URL: srv.URL, Token: "t"}
	for range 2 {
		hub.Do(context.Background(), tgt, relay, Request{Query: "{x}"}, nil)
	}
	if hb.State("50") != Open {
		t.Fatalf("hub breaker %v after two nonsense answers", hb.State("50"))
	}
	_, err := hub.Do(context.Background(), tgt, relay, Request{Query: "{x}"}, nil)
	if reg, _ := FailedRegion(err); reg != "50" || !strings.Contains(err.Error(), "circuit is open") {
		t.Fatalf("open circuit: %v", err)
	}
	fail.Store(false)
	now = now.Add(MaxCoolDown)
	if _, err := hub.Do(context.Background(), tgt, relay, Request{Query: "{x}"}, nil); err != nil {
		t.Fatalf("half-open probe: %v", err)
	}
	if hb.State("50") != Closed {
		t.Fatal("the probe's success did not close the circuit")
	}
	// Node: nonsense does not count, only transport failures.
	fail.Store(true)
	nb := &Breakers{Threshold: 1, Now: clock}
	node := &Client{Self: "51", Breakers: nb, TransportOnly: true}
	node.Do(context.Background(), Target{Region: HubRegion, URL: srv.URL, Token: "t"}, originHop(t, "51", time.Second), Request{Query: "{x}"}, nil)
	if nb.State(HubRegion) != Closed {
		t.Fatal("a node's breaker counted a nonsense answer")
	}
	srv.Close()
	node.Do(context.Background(), Target{Region: HubRegion, URL: srv.URL, Token: "t"}, originHop(t, "51", time.Second), Request{Query: "{x}"}, nil)
	if nb.State(HubRegion) != Open {
		t.Fatal("a node's breaker ignored a transport failure")
	}
}
