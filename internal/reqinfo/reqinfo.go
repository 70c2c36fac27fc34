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
