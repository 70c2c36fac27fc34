package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"certgraph/internal/ratelimit"
	"certgraph/internal/reqinfo"
)

// LimitAddresses refuses requests beyond the per-client-address rate with
// HTTP 429 and Retry-After, answered in the surface's own shape: a GraphQL
// error (extensions.code RATE_LIMITED) on /graphql, plain text elsewhere.
// Health, readiness and metrics are never limited; the legacy endpoints
// (/api/) limit themselves, to answer in their envelope.
func LimitAddresses(l *ratelimit.Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch p := req.URL.Path; {
		case p == "/healthz", p == "/readyz", p == "/metrics", strings.HasPrefix(p, "/api/"):
			next.ServeHTTP(w, req)
			return
		}
		ok, wait := l.Allow(reqinfo.RemoteAddr(req).String())
		if ok {
			next.ServeHTTP(w, req)
			return
		}
		secs := ratelimit.RetryAfterSeconds(wait)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if req.URL.Path == "/graphql" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"errors":[{"message":"too many requests from this address; try again in %ds","extensions":{"code":"RATE_LIMITED","retryAfter":%d}}]}`, secs, secs)
			return
		}
		http.Error(w, fmt.Sprintf("请求过于频繁，请 %d 秒后再试", secs), http.StatusTooManyRequests)
	})
}

// retryAfterWriter turns a GraphQL answer into HTTP 429 with Retry-After
// when the account's rate limit refused the request (the resolvers say so
// before gqlgen writes the answer).
type retryAfterWriter struct {
	http.ResponseWriter
	ctx     context.Context
	limited func(context.Context) time.Duration
	wrote   bool
}

func (w *retryAfterWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if d := w.limited(w.ctx); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ratelimit.RetryAfterSeconds(d)))
			code = http.StatusTooManyRequests
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryAfterWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}
