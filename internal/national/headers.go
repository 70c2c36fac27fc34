package national

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The inter-node headers. They are honoured only from accounts with the
// NODE role; from anyone else they are ignored.
const (
	// HeaderVia lists the regions a read passed, in order, e.g. "51,00".
	HeaderVia = "X-Certgraph-Via"
	// HeaderOnBehalfOf names the original caller as "<accountId>@<region>".
	HeaderOnBehalfOf = "X-Certgraph-On-Behalf-Of"
	// HeaderRequestID is one id for the whole read, audited on every hop.
	HeaderRequestID = "X-Certgraph-Request-Id"
	// HeaderDeadline is the RFC 3339 instant the whole read must end by.
	HeaderDeadline = "X-Certgraph-Deadline"
)

// MaxVia is the most regions a Via chain may hold: origin and hub.
const MaxVia = 2

const (
	maxRequestIDLen = 64
	maxAccountIDLen = 128
	maxHeaderLen    = 256
)

// Sentinel errors of the header rules; test with errors.Is.
var (
	// ErrForgedVia: a Via chain that is malformed, too long, repeats a
	// region, or does not match the calling account's bound region.
	ErrForgedVia = errors.New("forged or malformed " + HeaderVia)
	// ErrLoop: the read already passed this region.
	ErrLoop = errors.New("dispatch loop")
	// ErrNoRedispatch: a node was asked to dispatch a read that came from
	// another node; only the origin dispatches.
	ErrNoRedispatch = errors.New("a read that came with " + HeaderVia + " is never dispatched again")
	// ErrDeadlinePassed: the carried deadline is already over.
	ErrDeadlinePassed = errors.New("the read's deadline has passed")
	// ErrBadHeader: a header other than Via that cannot be read.
	ErrBadHeader = errors.New("malformed inter-node header")
)

// Via is the chain of regions a read passed, oldest first.
type Via []string

// ParseVia reads a Via header value: comma-separated two-digit region
// codes, at most MaxVia, none repeated. An empty value is an empty chain.
func ParseVia(s string) (Via, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > maxHeaderLen {
		return nil, fmt.Errorf("%w: %d characters", ErrForgedVia, len(s))
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxVia {
		return nil, fmt.Errorf("%w: %d regions, at most %d", ErrForgedVia, len(parts), MaxVia)
	}
	v := make(Via, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if !ValidRegion(p) {
			return nil, fmt.Errorf("%w: %q is not a two-digit region code", ErrForgedVia, p)
		}
		if v.Contains(p) {
			return nil, fmt.Errorf("%w: region %s appears twice", ErrForgedVia, p)
		}
		v = append(v, p)
	}
	return v, nil
}

// String renders the chain as the header carries it.
func (v Via) String() string { return strings.Join(v, ",") }

// Contains reports whether the chain passed region.
func (v Via) Contains(region string) bool {
	for _, r := range v {
		if r == region {
			return true
		}
	}
	return false
}

// Append returns the chain with region added, refusing a repeat or a chain
// longer than MaxVia.
func (v Via) Append(region string) (Via, error) {
	if !ValidRegion(region) {
		return nil, fmt.Errorf("%w: %q is not a two-digit region code", ErrForgedVia, region)
	}
	if v.Contains(region) {
		return nil, fmt.Errorf("%w: %s already passed region %s", ErrLoop, v, region)
	}
	if len(v) >= MaxVia {
		return nil, fmt.Errorf("%w: %s already holds %d regions", ErrLoop, v, MaxVia)
	}
	return append(append(Via{}, v...), region), nil
}

// Principal is the original caller of a read: its account at its region.
type Principal struct {
	AccountID string
	Region    string
}

// ParsePrincipal reads "<accountId>@<region>".
func ParsePrincipal(s string) (Principal, error) {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > maxAccountIDLen {
		return Principal{}, fmt.Errorf("%w: %s %q: want <accountId>@<region>", ErrBadHeader, HeaderOnBehalfOf, s)
	}
	p := Principal{AccountID: s[:at], Region: s[at+1:]}
	if !ValidRegion(p.Region) {
		return Principal{}, fmt.Errorf("%w: %s %q: region %q is not two digits", ErrBadHeader, HeaderOnBehalfOf, s, p.Region)
	}
	if !printableToken(p.AccountID) {
		return Principal{}, fmt.Errorf("%w: %s %q: account id holds characters outside ASCII letters, digits and -_.:", ErrBadHeader, HeaderOnBehalfOf, s)
	}
	return p, nil
}

// String renders the principal as the header carries it; "" when unset.
func (p Principal) String() string {
	if p.AccountID == "" {
		return ""
	}
	return p.AccountID + "@" + p.Region
}

func printableToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// NewRequestID returns a fresh random request id (32 hex digits).
func NewRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Caller is the authenticated account a request came from, as the header
// rules need it.
type Caller struct {
	AccountID string
	Node      bool   // the account has the NODE role
	Region    string // the region a NODE account is bound to
}

// Hop is the national context of one read on this process: which regions
// it passed, for whom, under which request id and until when.
type Hop struct {
	Via        Via
	OnBehalfOf Principal
	RequestID  string
	Deadline   time.Time
	// AcceptLanguage, when set, is sent as Accept-Language so the owner
	// words its reasons in the original caller's language.
	AcceptLanguage string
}

// Origin reports whether the read started here (it came with no Via).
func (h Hop) Origin() bool { return len(h.Via) == 0 }

// Remaining returns the time left before the deadline (≤ 0 when passed).
func (h Hop) Remaining(now time.Time) time.Duration { return h.Deadline.Sub(now) }

// Inbound derives the Hop of a request received by the process of region
// self (HubRegion for the hub) from its headers. timeout is the configured
// deadline of one read (--national-timeout): an origin read gets now+timeout,
// and a carried deadline later than that is shortened to it, so no caller
// makes this process wait longer than it would for its own reads.
//
// Headers from a caller that is not a NODE account are ignored: the read
// starts here. From a NODE account:
//   - at the hub, Via must be empty or exactly the account's bound region,
//     and the hub rewrites Via and the region of On-Behalf-Of from that
//     bound region whatever the caller sent;
//   - at a node, the NODE caller must be the hub's account (bound to
//     HubRegion), Via must end with HubRegion and must not contain self.
func Inbound(h http.Header, caller Caller, self string, now time.Time, timeout time.Duration) (Hop, error) {
	origin := Hop{OnBehalfOf: Principal{AccountID: caller.AccountID, Region: self}, RequestID: NewRequestID(), Deadline: now.Add(timeout)}
	if !caller.Node {
		return origin, nil
	}
	if !ValidRegion(caller.Region) {
		return Hop{}, fmt.Errorf("%w: the NODE account %s is bound to no region", ErrForgedVia, caller.AccountID)
	}
	via, err := ParseVia(h.Get(HeaderVia))
	if err != nil {
		return Hop{}, err
	}
	hop := Hop{Via: via, RequestID: origin.RequestID, Deadline: origin.Deadline}
	if s := h.Get(HeaderRequestID); s != "" {
		if len(s) > maxRequestIDLen || !printableToken(s) {
			return Hop{}, fmt.Errorf("%w: %s must be 1–%d ASCII letters, digits or -_.:", ErrBadHeader, HeaderRequestID, maxRequestIDLen)
		}
		hop.RequestID = s
	}
	if s := h.Get(HeaderDeadline); s != "" {
		d, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return Hop{}, fmt.Errorf("%w: %s %q is not an RFC 3339 instant", ErrBadHeader, HeaderDeadline, s)
		}
		if !d.After(now) {
			return Hop{}, fmt.Errorf("%w: %s was %s", ErrDeadlinePassed, HeaderDeadline, d.UTC().Format(time.RFC3339Nano))
		}
		if d.Before(hop.Deadline) {
			hop.Deadline = d
		}
	}
	if s := h.Get(HeaderOnBehalfOf); s != "" {
		if hop.OnBehalfOf, err = ParsePrincipal(s); err != nil {
			return Hop{}, err
		}
	} else {
		hop.OnBehalfOf = Principal{AccountID: caller.AccountID, Region: caller.Region}
	}
	if self == HubRegion {
		if len(via) > 1 || len(via) == 1 && via[0] != caller.Region {
			return Hop{}, fmt.Errorf("%w: %s %q from the node account of region %s", ErrForgedVia, HeaderVia, via, caller.Region)
		}
		hop.Via = Via{caller.Region}
		hop.OnBehalfOf.Region = caller.Region
		return hop, nil
	}
	if caller.Region != HubRegion {
		// Nodes talk to each other only through the hub.
		return Hop{}, fmt.Errorf("%w: a node takes inter-node reads only from the hub's account, not from region %s", ErrForgedVia, caller.Region)
	}
	if len(via) == 0 || via[len(via)-1] != caller.Region {
		return Hop{}, fmt.Errorf("%w: %s %q does not end with the calling account's region %s", ErrForgedVia, HeaderVia, via, caller.Region)
	}
	if via.Contains(self) {
		return Hop{}, fmt.Errorf("%w: %s %q already passed this region %s", ErrLoop, HeaderVia, via, self)
	}
	return hop, nil
}

// Forward returns the Hop to send onward from the process of region self to
// region target. A node forwards only reads that started on it; the hub
// never sends to a region the read already passed.
func (h Hop) Forward(self, target string) (Hop, error) {
	if self != HubRegion && !h.Origin() {
		return Hop{}, fmt.Errorf("%w (came via %s)", ErrNoRedispatch, h.Via)
	}
	if target == self || h.Via.Contains(target) {
		return Hop{}, fmt.Errorf("%w: the read passed %s, not sending it to %s", ErrLoop, append(append(Via{}, h.Via...), self), target)
	}
	via, err := h.Via.Append(self)
	if err != nil {
		return Hop{}, err
	}
	out := h
	out.Via = via
	return out, nil
}

// Apply writes the Hop's headers onto an outgoing request.
func (h Hop) Apply(hdr http.Header) {
	hdr.Set(HeaderVia, h.Via.String())
	if s := h.OnBehalfOf.String(); s != "" {
		hdr.Set(HeaderOnBehalfOf, s)
	}
	hdr.Set(HeaderRequestID, h.RequestID)
	hdr.Set(HeaderDeadline, h.Deadline.UTC().Format(time.RFC3339Nano))
	if h.AcceptLanguage != "" {
		hdr.Set("Accept-Language", h.AcceptLanguage)
	}
}
