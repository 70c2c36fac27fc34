package national

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeHub answers the directory operations over GraphQL from a memHub,
// checking what a hub checks of the call.
func fakeHub(t *testing.T, h *memHub, tamper func(op string, data map[string]any)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer node-token" || r.Header.Get(HeaderVia) != "51" || r.Header.Get(HeaderOnBehalfOf) != "node51@51" {
			t.Errorf("headers %v", r.Header)
		}
		var req struct {
			OperationName string
			Variables     struct {
				Entries  []Entry
				From, To *string
				First    int
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Error(err)
		}
		deref := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		ctx := r.Context()
		data := map[string]any{}
		switch req.OperationName {
		case "publishDirectory":
			n, err := h.Publish(ctx, req.Variables.Entries)
			if err != nil {
				json.NewEncoder(w).Encode(map[string]any{"data": nil, "errors": []any{map[string]any{"message": err.Error(), "extensions": map[string]any{"code": "BAD_USER_INPUT", "field": "entries"}}}})
				return
			}
			data["publishDirectory"] = n
		case "directorySummary":
			s, _ := h.Summary(ctx, deref(req.Variables.From), deref(req.Variables.To))
			data["directorySummary"] = s
		case "directoryVersions":
			vs, _ := h.Versions(ctx, deref(req.Variables.From), deref(req.Variables.To), req.Variables.First)
			if vs == nil {
				vs = []Version{}
			}
			data["directoryVersions"] = vs
		}
		if tamper != nil {
			tamper(req.OperationName, data)
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
}

func TestRemoteDirectory(t *testing.T) {
	hub := &memHub{region: "51", entries: map[string]Entry{}}
	srv := fakeHub(t, hub, nil)
	defer srv.Close()
	rd := &RemoteDirectory{
		Client: &Client{Self: "51", TransportOnly: true, Breakers: &Breakers{}},
		Target: func(context.Context) (Target, error) {
			return Target{Region: HubRegion, URL: srv.URL, Token: "node-token"}, nil
		},
		AccountID: "node51", Timeout: 2 * time.Second,
	}
	node := newMemNode()
	for i := range 40 {
		node.change(entry(t, "51", i, 1))
	}
	p := &Publisher{Region: "51", Outbox: node, Source: node, Hub: rd, Batch: 9, Log: quiet}
	if n, err := p.Flush(context.Background()); err != nil || n != 40 || len(hub.entries) != 40 {
		t.Fatalf("flush %d, %v; hub %d", n, err, len(hub.entries))
	}
	delete(hub.entries, certID(t, "51", 3))
	rep, err := Reconcile(context.Background(), node, rd, 16, quiet)
	if err != nil || rep.Resent != 1 || rep.Ranges != 3 {
		t.Fatalf("reconcile %+v, %v", rep, err)
	}
	// The hub refusing a batch is the hub's answer, with its field.
	hub.region = "52"
	node.change(entry(t, "51", 77, 1))
	_, err = p.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "entries") {
		t.Fatalf("refused batch: %v", err)
	}
	if _, ok := FailedRegion(err); ok {
		t.Fatal("a refused batch was reported as the hub being unavailable")
	}
}

func TestRemoteDirectoryNonsense(t *testing.T) {
	hub := &memHub{region: "51", entries: map[string]Entry{}}
	for i := range 5 {
		e := entry(t, "51", i, 1)
		hub.entries[e.ID] = e
	}
	for name, tamper := range map[string]func(string, map[string]any){
		"count above sent": func(op string, d map[string]any) {
			if op == "publishDirectory" {
				d["publishDirectory"] = 99
			}
		},
		"no digest": func(op string, d map[string]any) {
			if op == "directorySummary" {
				d["directorySummary"] = map[string]any{"count": 1}
			}
		},
		"out of range": func(op string, d map[string]any) {
			if op == "directoryVersions" {
				d["directoryVersions"] = []Version{{ID: "zzz", Version: 1}}
			}
		},
		"unordered": func(op string, d map[string]any) {
			if op == "directoryVersions" {
				d["directoryVersions"] = []Version{{ID: "b", Version: 1}, {ID: "a", Version: 1}}
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := fakeHub(t, hub, tamper)
			defer srv.Close()
			rd := &RemoteDirectory{Client: &Client{Self: "51"}, AccountID: "node51", Timeout: time.Second,
				Target: func(context.Context) (Target, error) {
					return Target{Region: HubRegion, URL: srv.URL, Token: "node-token"}, nil
				}}
			ctx := context.Background()
			var err error
			switch {
			case strings.HasPrefix(name, "count"):
				_, err = rd.Publish(ctx, []Entry{entry(t, "51", 1, 2)})
			case name == "no digest":
				_, err = rd.Summary(ctx, "", "")
			default:
				_, err = rd.Versions(ctx, "a", "m", 10)
			}
			var re *RegionError
			if !errors.As(err, &re) || re.Region != HubRegion || !strings.Contains(err.Error(), "nonsense") {
				t.Fatalf("err %v, want nonsense from 00", err)
			}
		})
	}
}
