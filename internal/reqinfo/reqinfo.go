// Package reqinfo is the contract between the HTTP surfaces (GraphQL over
// HTTP, the legacy adapter) and the resolvers: what a caller presents and
// what is known about its request. It holds types only, so the adapters
// depend on it and not on the resolvers' implementation.
package reqinfo

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"certgraph/models"
)

// Credentials are what a caller presents: an access token and, optionally,
// the account id it claims (which must then match the token's account).
type Credentials struct {
	AccountID string
	Token     string
}

// RequestInfo describes an incoming request to the resolvers: who is
// calling, through which channel, from where, and at which base URL the
// caller reached this node (links and code payloads point there).
type RequestInfo struct {
	Credentials Credentials
	Channel     models.Channel
	Remote      netip.Addr
	// BaseURL is e.g. "http://host:8080"; the node's public URL overrides it.
	BaseURL string
	// UseFor is the X-Use-For header: the reason for reads that have no
	// argument to carry one (federation entity fetches).
	UseFor string
	// National holds the inter-node headers (X-Certgraph-Via, -On-Behalf-Of,
	// -Request-Id, -Deadline) as received; the resolvers honour them only
	// from NODE accounts.
	National http.Header
	// Lang is the language of messages and reasons: from Accept-Language
	// on /graphql, Chinese on the legacy endpoints.
	Lang models.Lang
	// Names renders the graph's field names in messages as the caller's
	// surface spells them (a legacy table's parameter names); nil keeps them.
	Names models.Namer
}

// NationalHeaders copies the X-Certgraph-* headers of req (nil if none).
func NationalHeaders(req *http.Request) http.Header {
	var h http.Header
	for k, v := range req.Header {
		if strings.HasPrefix(k, "X-Certgraph-") {
			if h == nil {
				h = http.Header{}
			}
			h[k] = v
		}
	}
	return h
}

// Attacher attaches a request's information to a context before the
// GraphQL operation runs; the resolvers' root is one.
type Attacher interface {
	WithRequest(ctx context.Context, info RequestInfo) context.Context
}

// RemoteAddr is the peer address of req (proxies' forwarding headers are not
// trusted: registration auto-approval depends on this address).
func RemoteAddr(req *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// BaseURL is the scheme and host the client used to reach this node.
func BaseURL(req *http.Request) string {
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + req.Host
}

// Access is what the access log records of one request beyond its HTTP
// line, filled in while the request is served: the authenticated account
// and the GraphQL operation. Its methods are safe for concurrent use and
// do nothing on a nil *Access.
type Access struct {
	mu                           sync.Mutex
	accountID, operation, opType string
}

type accessKey struct{}

// WithAccess returns ctx carrying a new Access record.
func WithAccess(ctx context.Context) (context.Context, *Access) {
	a := &Access{}
	return context.WithValue(ctx, accessKey{}, a), a
}

// AccessOf is the request's Access record (nil outside a request).
func AccessOf(ctx context.Context) *Access {
	a, _ := ctx.Value(accessKey{}).(*Access)
	return a
}

// SetAccount records the authenticated account.
func (a *Access) SetAccount(id string) {
	if a != nil {
		a.mu.Lock()
		a.accountID = id
		a.mu.Unlock()
	}
}

// SetOperation records the GraphQL operation's name and type.
func (a *Access) SetOperation(name, typ string) {
	if a != nil {
		a.mu.Lock()
		a.operation, a.opType = name, typ
		a.mu.Unlock()
	}
}

// Fields returns the account id, operation name and type recorded so far.
func (a *Access) Fields() (accountID, operation, opType string) {
	if a == nil {
		return "", "", ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.accountID, a.operation, a.opType
}
