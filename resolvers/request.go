package resolvers

import (
	"context"
	"strings"
	"sync"

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
