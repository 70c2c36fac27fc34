package national

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzInbound feeds arbitrary header values to the rules a hub and a node
// apply to NODE callers: they must refuse or produce a Hop that keeps the
// invariants (Via valid and bounded, deadline within the timeout).
func FuzzInbound(f *testing.F) {
	f.Add("51", "portal@51", "req-1", "2026-01-02T03:04:06Z", "51", "00")
	f.Add("51,00", "a@50", "", "", "00", "50")
	f.Add("51,51", "@", "a b", "tomorrow", "51", "00")
	f.Add("", "x@5", strings.Repeat("r", 70), "2026-01-02T03:04:05.5+08:00", "", "51")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, via, obo, rid, dl, callerRegion, self string) {
		h := http.Header{}
		h.Set(HeaderVia, via)
		h.Set(HeaderOnBehalfOf, obo)
		h.Set(HeaderRequestID, rid)
		h.Set(HeaderDeadline, dl)
		hop, err := Inbound(h, Caller{AccountID: "acc", Node: true, Region: callerRegion}, self, now, 3*time.Second)
		if err != nil {
			return
		}
		if len(hop.Via) > MaxVia || hop.Deadline.After(now.Add(3*time.Second)) || !hop.Deadline.After(now) {
			t.Fatalf("hop %+v breaks an invariant", hop)
		}
		if _, err := ParseVia(hop.Via.String()); err != nil {
			t.Fatalf("accepted Via %q does not parse back: %v", hop.Via, err)
		}
		if self == HubRegion && hop.Via.String() != callerRegion {
			t.Fatalf("the hub kept Via %q from the account of region %q", hop.Via, callerRegion)
		}
		if self != HubRegion && hop.Via.Contains(self) {
			t.Fatalf("a node accepted a read that already passed it: %q", hop.Via)
		}
		if self != HubRegion {
			if _, err := hop.Forward(self, HubRegion); !errors.Is(err, ErrNoRedispatch) {
				t.Fatalf("a node may re-dispatch %+v: %v", hop, err)
			}
		}
	})
}

// FuzzEntries feeds arbitrary JSON batches to the hub's batch validation.
func FuzzEntries(f *testing.F) {
	good, _ := json.Marshal([]Entry{{ID: "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F", TypeCode: "11100000000013338W032",
		HolderType: "111", HolderDigest: strings.Repeat("a", 64), IssueDate: "2024-01-01", ValidFrom: "2024-01-01", Version: 1}})
	f.Add(good, "22")
	f.Add([]byte(`[{"id":"x","version":1,"deleted":true}]`), "51")
	f.Add([]byte(`[]`), "51")
	f.Fuzz(func(t *testing.T, data []byte, caller string) {
		if len(data) > 1<<16 {
			return
		}
		var es []Entry
		if json.Unmarshal(data, &es) != nil {
			return
		}
		if err := ValidateBatch(caller, es); err != nil {
			return
		}
		for _, e := range es {
			p, err := IssuingRegion(e.ID)
			if err != nil || p != caller || e.Version < 1 {
				t.Fatalf("accepted %+v from %q", e, caller)
			}
			if !e.Deleted && !isHex(e.HolderDigest, 64) {
				t.Fatalf("accepted a holder not digested: %+v", e)
			}
		}
	})
}

type bodyTransport struct {
	status int
	ctype  string
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: http.Header{"Content-Type": {b.ctype}}, Body: io.NopCloser(bytes.NewReader(b.body)), Request: r}, nil
}

// FuzzAnswer feeds arbitrary answers to the client: it must return an
// intact Response or a RegionError naming the called region, never panic.
func FuzzAnswer(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"data":{"certificate":{"id":"X"}}}`))
	f.Add(200, "application/json", []byte(`{"data":null,"errors":[{"message":"m","extensions":{"code":"UNAVAILABLE","region":"50"}}]}`))
	f.Add(422, "application/graphql-response+json", []byte(`{"errors":[{"message":"bad"}]}`))
	f.Add(502, "text/html", []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		c := &Client{Self: "51", HTTP: &http.Client{Transport: bodyTransport{status, ctype, body}}, MaxResponseBytes: 1 << 16}
		hop := Hop{Via: Via{"51", HubRegion}, RequestID: "r", Deadline: time.Now().Add(time.Second)}
		var out certAnswer
		resp, err := c.Do(context.Background(), Target{Region: "50", URL: "http://127.0.0.1:1", Token: "t"}, hop, Request{Query: "{x}"}, &out)
		if err != nil {
			if _, ok := FailedRegion(err); !ok {
				t.Fatalf("a bad answer gave %v, not a RegionError", err)
			}
			return
		}
		if resp == nil || (len(resp.Data) == 0 && len(resp.Errors) == 0) {
			t.Fatalf("an empty answer passed: %+v", resp)
		}
		_ = resp.Err()
	})
}
