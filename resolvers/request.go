package resolvers

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"certgraph/internal/national"
	"certgraph/internal/reqinfo"
	"certgraph/models"
)

// requestState is everything the resolvers keep for one request: who is
// calling (resolved lazily, once), through which channel, and the
// request's dataloaders.
type requestState struct {
	reqinfo.RequestInfo

	authOnce sync.Once
	account  *models.Account
	authErr  error

	loaders *loaders

	hopOnce sync.Once
	hop     national.Hop
	hopErr  error

	// refusedFor is set (nanoseconds) when the account's rate limit refused
	// the request.
	refusedFor atomic.Int64
}

type stateKey struct{}

// WithRequest returns ctx carrying a new request's credentials, channel and
// remote address, with fresh dataloaders. Both the GraphQL HTTP middleware
// and the legacy adapter call it, so the rules that follow are the same on
// both surfaces.
func (r *Resolver) WithRequest(ctx context.Context, info reqinfo.RequestInfo) context.Context {
	st := &requestState{RequestInfo: info}
	st.loaders = r.newLoaders()
	return context.WithValue(ctx, stateKey{}, st)
}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// baseURL is where links made for this request point: the configured
// public URL, or else the request's own scheme and host when that host is
// one of the allowed hosts. Any other Host header is refused, so a caller
// cannot make codes and links point elsewhere.
func (r *Resolver) baseURL(ctx context.Context) (string, error) {
	if r.cfg.PublicURL != "" {
		return strings.TrimRight(r.cfg.PublicURL, "/"), nil
	}
	st := stateOf(ctx)
	if st == nil || st.BaseURL == "" {
		return "http://localhost", nil
	}
	u, err := url.Parse(st.BaseURL)
	if err != nil || u.Host == "" {
		return "", models.Invalid("Host", "the request's Host header is not a host name")
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range r.cfg.AllowedHosts {
		if h == host {
			return strings.TrimRight(st.BaseURL, "/"), nil
		}
	}
	return "", models.Invalid("Host", "links are not made for host %q: it is not in --allowed-hosts and no --public-url is set", u.Hostname())
}

// lang is the language the request is answered in (Accept-Language on
// /graphql, Chinese on the legacy endpoints).
func langOf(ctx context.Context) models.Lang {
	if st := stateOf(ctx); st != nil {
		return st.Lang
	}
	return models.English
}

// namesOf is how the request's surface names the graph's fields.
func namesOf(ctx context.Context) models.Namer {
	if st := stateOf(ctx); st != nil {
		return st.Names
	}
	return nil
}

// say renders a catalogue text in the request's language and terms.
func (r *Resolver) say(ctx context.Context, t models.Text) string {
	return t.Render(langOf(ctx), namesOf(ctx))
}
