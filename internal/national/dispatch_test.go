package national

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"certgraph/internal/gmcrypto"
)

// seen records what each process saw of one read.
type seen struct {
	mu   sync.Mutex
	hops map[string]Hop
}

func (s *seen) put(region string, h Hop) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hops[region] = h
}

func writeGraphQL(w http.ResponseWriter, data any, errs ...map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	body := map[string]any{"data": data}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	json.NewEncoder(w).Encode(body)
}

// process is a minimal GraphQL endpoint standing in for a node or the hub:
// it authenticates a bearer token to a Caller, derives the Hop, and either
// answers (owner) or sends the read on through its Dispatcher.
func process(t *testing.T, self string, callers map[string]Caller, d *Dispatcher, s *seen, owned map[string]bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, ok := callers[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		hop, err := Inbound(r.Header, caller, self, time.Now(), 3*time.Second)
		if err != nil {
			writeGraphQL(w, nil, map[string]any{"message": err.Error(), "extensions": map[string]any{"code": "FORBIDDEN"}})
			return
		}
		s.put(self, hop)
		var req Request
		json.NewDecoder(r.Body).Decode(&req)
		id, _ := req.Variables["id"].(string)
		if owned[id] {
			writeGraphQL(w, map[string]any{"certificate": map[string]any{"id": id, "region": self}})
			return
		}
		region, err := d.Where(id)
		if err != nil {
			writeGraphQL(w, nil, map[string]any{"message": err.Error(), "extensions": map[string]any{"code": "BAD_USER_INPUT"}})
			return
		}
		var out json.RawMessage
		resp, err := d.Send(r.Context(), hop, region, req, &out)
		if err != nil {
			failed, _ := FailedRegion(err)
			writeGraphQL(w, nil, map[string]any{"message": err.Error(), "path": []string{"certificate"}, "extensions": map[string]any{"code": "UNAVAILABLE", "region": failed}})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}))
}

func TestDispatchThroughTheHub(t *testing.T) {
	s := &seen{hops: map[string]Hop{}}
	id50 := certID(t, "50", 1)
	// Owner 50: answers; the hub's account there is bound to 00.
	ownerD := NewDispatcher(Settings{Mode: ModeNode, Region: "50", Timeout: time.Second})
	owner := process(t, "50", map[string]Caller{"hub-at-50": {AccountID: "hubAt50", Node: true, Region: HubRegion}}, ownerD, s, map[string]bool{id50: true})
	// Hub: node 51's account is bound to 51; 50 is registered.
	hubD := NewDispatcher(Settings{Mode: ModeHub, Region: HubRegion, Timeout: time.Second})
	hubD.Nodes = RegistryFunc(func(r string) bool { return r == "50" || r == "51" })
	hubD.Node = func(_ context.Context, region string) (Target, error) {
		if region != "50" {
			return Target{}, errors.New("no credentials")
		}
		return Target{Region: "50", URL: owner.URL, Token: "hub-at-50"}, nil
	}
	hub := process(t, HubRegion, map[string]Caller{"node51": {AccountID: "node51", Node: true, Region: "51"}}, hubD, s, nil)
	defer hub.Close()
	// Origin 51.
	d := NewDispatcher(Settings{Mode: ModeNode, Region: "51", NationalURL: hub.URL, AccountID: "node51", Token: "node51", PublicURL: "http://127.0.0.1:1", Timeout: time.Second})
	d.Hub = func(context.Context) (Target, error) {
		return Target{Region: HubRegion, URL: hub.URL, Token: "node51"}, nil
	}

	origin, _ := Inbound(http.Header{}, Caller{AccountID: "portal"}, "51", time.Now(), 2*time.Second)
	region, err := d.Where(id50)
	if err != nil || region != HubRegion {
		t.Fatalf("Where = %q, %v", region, err)
	}
	var out struct {
		Certificate struct{ ID, Region string }
	}
	resp, err := d.Send(context.Background(), origin, region, Request{Query: "q", Variables: map[string]any{"id": id50}}, &out)
	if err != nil || resp.Err() != nil || out.Certificate.ID != id50 || out.Certificate.Region != "50" {
		t.Fatalf("answer %+v, %v", out, err)
	}
	atHub, atOwner := s.hops[HubRegion], s.hops["50"]
	if atHub.Via.String() != "51" || atOwner.Via.String() != "51,00" {
		t.Fatalf("Via at hub %q, at owner %q", atHub.Via, atOwner.Via)
	}
	for name, h := range map[string]Hop{"hub": atHub, "owner": atOwner} {
		if h.RequestID != origin.RequestID || h.OnBehalfOf.String() != "portal@51" || !h.Deadline.Equal(origin.Deadline.Truncate(time.Nanosecond)) {
			t.Errorf("%s saw %+v; origin %+v", name, h, origin)
		}
	}
	// The owner never dispatches what came with Via.
	if _, err := ownerD.Send(context.Background(), atOwner, HubRegion, Request{}, nil); !errors.Is(err, ErrNoRedispatch) && !strings.Contains(err.Error(), "not configured") {
		t.Fatalf("owner re-dispatch: %v", err)
	}
	ownerD.Settings.NationalURL, ownerD.Hub = hub.URL, d.Hub
	if _, err := ownerD.Send(context.Background(), atOwner, HubRegion, Request{}, nil); !errors.Is(err, ErrNoRedispatch) {
		t.Fatalf("owner re-dispatch: %v", err)
	}
	// A certificate of a province without a node is the hub's own; the hub
	// says it cannot reach region 44 only if asked to send there.
	if r, _ := hubD.Where(certID(t, "44", 1)); r != HubRegion {
		t.Fatalf("hub owner of a 44 certificate = %s", r)
	}

	// The owner goes down: the hub answers UNAVAILABLE naming 50; the origin keeps that region.
	owner.Close()
	start := time.Now()
	_, err = d.Send(context.Background(), origin, HubRegion, Request{Query: "q", Variables: map[string]any{"id": id50}}, nil)
	if r, _ := FailedRegion(err); r != "50" {
		t.Fatalf("owner down: %v", err)
	}
	// The hub goes down: UNAVAILABLE naming 00, well within the deadline.
	hub.Close()
	origin2, _ := Inbound(http.Header{}, Caller{AccountID: "portal"}, "51", time.Now(), 2*time.Second)
	_, err = d.Send(context.Background(), origin2, HubRegion, Request{Query: "q", Variables: map[string]any{"id": id50}}, nil)
	if r, _ := FailedRegion(err); r != HubRegion {
		t.Fatalf("hub down: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("failures took %v", time.Since(start))
	}
}

func TestDispatcherRouting(t *testing.T) {
	sealer, _ := gmcrypto.NewSealer(time.Hour)
	id := certID(t, "50", 1)
	tok50, _ := sealer.SealForRegion("50", id, time.Now())
	tok51, _ := sealer.SealForRegion("51", id, time.Now())
	tok44, _ := sealer.SealForRegion("44", id, time.Now())
	old, _ := sealer.Seal(id, time.Now())

	node := NewDispatcher(Settings{Mode: ModeNode, Region: "51", Timeout: time.Second})
	hub := NewDispatcher(Settings{Mode: ModeHub, Region: HubRegion, Timeout: time.Second})
	hub.Nodes = RegistryFunc(func(r string) bool { return r == "50" })
	for _, tc := range []struct {
		d     *Dispatcher
		token string
		want  string
	}{
		{node, tok50, HubRegion}, {node, tok51, "51"}, {node, old, "51"},
		{hub, tok50, "50"}, {hub, old, HubRegion},
	} {
		if got, err := tc.d.WhereToken(tc.token); err != nil || got != tc.want {
			t.Errorf("%s: WhereToken = %q, %v; want %s", tc.d.Settings.Region, got, err, tc.want)
		}
	}
	if _, err := hub.WhereToken(tok44); err == nil {
		t.Error("the hub routed a token of a region without a node")
	}
	if _, err := node.WhereToken("50!!"); !errors.Is(err, gmcrypto.ErrMalformed) {
		t.Errorf("malformed token: %v", err)
	}
	// A node without a hub configured fails with the old message's meaning, naming 00.
	origin, _ := Inbound(http.Header{}, Caller{AccountID: "portal"}, "51", time.Now(), time.Second)
	if _, err := node.Send(context.Background(), origin, HubRegion, Request{}, nil); !strings.Contains(err.Error(), "not configured") {
		t.Errorf("unconfigured node: %v", err)
	} else if r, _ := FailedRegion(err); r != HubRegion {
		t.Errorf("unconfigured node names %q", r)
	}
	if _, err := node.Send(context.Background(), origin, "51", Request{}, nil); err == nil {
		t.Error("a read of the own region was sent")
	}
}
