package resolvers

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
	// BaseURL is e.g. "http://host:8080"; Config.PublicURL overrides it.
	BaseURL string
	// UseFor is the X-Use-For header: the reason for reads that have no
	// argument to carry one (federation entity fetches).
	UseFor string
}

// requestState is everything the resolvers keep for one request: who is
// calling (resolved lazily, once), through which channel, and the
// request's dataloaders.
type requestState struct {
	RequestInfo

	authOnce sync.Once
	account  *models.Account
	authErr  error

	loaders *loaders
}

type stateKey struct{}

// WithRequest returns ctx carrying a new request's credentials, channel and
// remote address, with fresh dataloaders. Both the GraphQL HTTP middleware
// and the legacy adapter call it, so the rules that follow are the same on
// both surfaces.
func (r *Resolver) WithRequest(ctx context.Context, info RequestInfo) context.Context {
	st := &requestState{RequestInfo: info}
	st.loaders = r.newLoaders()
	return context.WithValue(ctx, stateKey{}, st)
}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// Middleware attaches the request state for GraphQL over HTTP: the bearer
// token from Authorization and the optional X-Account-Id header.
func (r *Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		creds := Credentials{AccountID: strings.TrimSpace(req.Header.Get("X-Account-Id"))}
		if h := req.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
			if strings.EqualFold(scheme, "Bearer") {
				creds.Token = strings.TrimSpace(tok)
			}
		}
		ctx := r.WithRequest(req.Context(), RequestInfo{Credentials: creds, Channel: models.ChannelGraphQL, Remote: RemoteAddr(req),
			BaseURL: BaseURL(req), UseFor: strings.TrimSpace(req.Header.Get("X-Use-For"))})
		next.ServeHTTP(w, req.WithContext(ctx))
	})
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

// baseURL is where links made for this request point.
func (r *Resolver) baseURL(ctx context.Context) string {
	if r.cfg.PublicURL != "" {
		return strings.TrimRight(r.cfg.PublicURL, "/")
	}
	if st := stateOf(ctx); st != nil && st.BaseURL != "" {
		return st.BaseURL
	}
	return "http://localhost"
}
