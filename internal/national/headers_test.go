package national

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseVia(t *testing.T) {
	for in, want := range map[string]string{"": "", "51": "51", "51,00": "51,00", " 51 , 00 ": "51,00"} {
		v, err := ParseVia(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseVia(%q) = %q, %v; want %q", in, v, err, want)
		}
	}
	for _, in := range []string{"51,00,50", "5", "51,51", "ab", "51,", "51;00", strings.Repeat("5", 300)} {
		if _, err := ParseVia(in); !errors.Is(err, ErrForgedVia) {
			t.Errorf("ParseVia(%q): %v, want ErrForgedVia", in, err)
		}
	}
	v, _ := ParseVia("51")
	if _, err := v.Append("51"); !errors.Is(err, ErrLoop) {
		t.Errorf("Append of a passed region: %v", err)
	}
	v2, err := v.Append("00")
	if err != nil || v2.String() != "51,00" || v.String() != "51" {
		t.Errorf("Append = %q (%v), original now %q", v2, err, v)
	}
	if _, err := v2.Append("50"); !errors.Is(err, ErrLoop) {
		t.Errorf("a third region: %v", err)
	}
}

func TestParsePrincipal(t *testing.T) {
	p, err := ParsePrincipal("acc-1@51")
	if err != nil || p.AccountID != "acc-1" || p.Region != "51" || p.String() != "acc-1@51" {
		t.Fatalf("ParsePrincipal = %+v, %v", p, err)
	}
	for _, in := range []string{"", "@51", "acc", "acc@5", "a c@51", "acc@510", strings.Repeat("a", 200) + "@51"} {
		if _, err := ParsePrincipal(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("ParsePrincipal(%q): %v", in, err)
		}
	}
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestInboundIgnoresNonNodeCallers(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := hdr(HeaderVia, "50,00", HeaderOnBehalfOf, "x@50", HeaderRequestID, "r1", HeaderDeadline, now.Add(time.Hour).Format(time.RFC3339))
	hop, err := Inbound(h, Caller{AccountID: "portal"}, "51", now, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !hop.Origin() || hop.OnBehalfOf.String() != "portal@51" || hop.RequestID == "r1" || !hop.Deadline.Equal(now.Add(3*time.Second)) {
		t.Fatalf("a consumer's inter-node headers were honoured: %+v", hop)
	}
	// Even a garbage Via from a consumer is ignored, not an error.
	if _, err := Inbound(hdr(HeaderVia, "x,y,z"), Caller{AccountID: "portal"}, "51", now, time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestInboundAtHub(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	node51 := Caller{AccountID: "node51", Node: true, Region: "51"}
	dl := now.Add(time.Second)
	hop, err := Inbound(hdr(HeaderVia, "51", HeaderOnBehalfOf, "portal@50", HeaderRequestID, "req-1", HeaderDeadline, dl.Format(time.RFC3339Nano)), node51, HubRegion, now, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// On-Behalf-Of's region is rewritten from the account's bound region.
	if hop.Via.String() != "51" || hop.OnBehalfOf.String() != "portal@51" || hop.RequestID != "req-1" || !hop.Deadline.Equal(dl) {
		t.Fatalf("hop = %+v", hop)
	}
	// A missing Via is written from the bound region; no On-Behalf-Of means the node itself.
	hop, err = Inbound(http.Header{}, node51, HubRegion, now, 3*time.Second)
	if err != nil || hop.Via.String() != "51" || hop.OnBehalfOf.String() != "node51@51" {
		t.Fatalf("hop = %+v, %v", hop, err)
	}
	// Forged chains are refused.
	for _, via := range []string{"50", "51,00", "00", "50,51", "51,51"} {
		if _, err := Inbound(hdr(HeaderVia, via), node51, HubRegion, now, time.Second); !errors.Is(err, ErrForgedVia) {
			t.Errorf("Via %q from the 51 account: %v, want ErrForgedVia", via, err)
		}
	}
	// A deadline further than our own timeout is shortened to it; a past one refused; garbage refused.
	hop, _ = Inbound(hdr(HeaderDeadline, now.Add(time.Hour).Format(time.RFC3339)), node51, HubRegion, now, 3*time.Second)
	if !hop.Deadline.Equal(now.Add(3 * time.Second)) {
		t.Errorf("deadline not capped: %v", hop.Deadline)
	}
	if _, err := Inbound(hdr(HeaderDeadline, now.Add(-time.Millisecond).Format(time.RFC3339Nano)), node51, HubRegion, now, time.Second); !errors.Is(err, ErrDeadlinePassed) {
		t.Errorf("past deadline: %v", err)
	}
	if _, err := Inbound(hdr(HeaderDeadline, "tomorrow"), node51, HubRegion, now, time.Second); !errors.Is(err, ErrBadHeader) {
		t.Errorf("garbage deadline: %v", err)
	}
	if _, err := Inbound(hdr(HeaderRequestID, "a b"), node51, HubRegion, now, time.Second); !errors.Is(err, ErrBadHeader) {
		t.Errorf("bad request id: %v", err)
	}
	if _, err := Inbound(http.Header{}, Caller{AccountID: "n", Node: true}, HubRegion, now, time.Second); !errors.Is(err, ErrForgedVia) {
		t.Errorf("a NODE account bound to no region: %v", err)
	}
}

func TestInboundAtNodeAndForward(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hub := Caller{AccountID: "hub-at-50", Node: true, Region: HubRegion}
	hop, err := Inbound(hdr(HeaderVia, "51,00", HeaderOnBehalfOf, "portal@51", HeaderRequestID, "req-1"), hub, "50", now, 3*time.Second)
	if err != nil || hop.Origin() || hop.OnBehalfOf.String() != "portal@51" {
		t.Fatalf("hop = %+v, %v", hop, err)
	}
	// A node never re-dispatches a read that came with Via.
	if _, err := hop.Forward("50", HubRegion); !errors.Is(err, ErrNoRedispatch) {
		t.Fatalf("node re-dispatch: %v", err)
	}
	// Via must end with the caller's region, and must not have passed us.
	if _, err := Inbound(hdr(HeaderVia, "51"), hub, "50", now, time.Second); !errors.Is(err, ErrForgedVia) {
		t.Errorf("Via not ending with 00: %v", err)
	}
	if _, err := Inbound(http.Header{}, hub, "50", now, time.Second); !errors.Is(err, ErrForgedVia) {
		t.Errorf("no Via from a NODE account at a node: %v", err)
	}
	if _, err := Inbound(hdr(HeaderVia, "51"), Caller{AccountID: "node51", Node: true, Region: "51"}, "50", now, time.Second); !errors.Is(err, ErrForgedVia) {
		t.Errorf("a node calling another node directly: %v", err)
	}
	if _, err := Inbound(hdr(HeaderVia, "50,00"), hub, "50", now, time.Second); !errors.Is(err, ErrLoop) {
		t.Errorf("Via that passed us: %v", err)
	}

	// Origin at 51 → hub → 50.
	origin, _ := Inbound(http.Header{}, Caller{AccountID: "portal"}, "51", now, 3*time.Second)
	toHub, err := origin.Forward("51", HubRegion)
	if err != nil || toHub.Via.String() != "51" {
		t.Fatalf("origin forward: %+v %v", toHub, err)
	}
	atHub, err := Inbound(headersOf(toHub), Caller{AccountID: "node51", Node: true, Region: "51"}, HubRegion, now, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if atHub.RequestID != origin.RequestID || !atHub.Deadline.Equal(origin.Deadline) || atHub.OnBehalfOf.String() != "portal@51" {
		t.Fatalf("the hub lost the read's identity: %+v vs %+v", atHub, origin)
	}
	if _, err := atHub.Forward(HubRegion, "51"); !errors.Is(err, ErrLoop) {
		t.Fatalf("hub sending back to the asking region: %v", err)
	}
	toOwner, err := atHub.Forward(HubRegion, "50")
	if err != nil || toOwner.Via.String() != "51,00" {
		t.Fatalf("hub forward: %+v %v", toOwner, err)
	}
	atOwner, err := Inbound(headersOf(toOwner), hub, "50", now, 3*time.Second)
	if err != nil || atOwner.RequestID != origin.RequestID || atOwner.OnBehalfOf.String() != "portal@51" {
		t.Fatalf("at owner: %+v %v", atOwner, err)
	}
}

func headersOf(h Hop) http.Header {
	out := http.Header{}
	h.Apply(out)
	return out
}
