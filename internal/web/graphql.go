package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"certgraph/internal/reqinfo"
	"certgraph/models"
)

// Credentials attaches the request state for GraphQL over HTTP: the bearer
// token from Authorization, the optional X-Account-Id and X-Use-For headers,
// and the answer language from Accept-Language.
func Credentials(requests reqinfo.Attacher, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		creds := reqinfo.Credentials{AccountID: strings.TrimSpace(req.Header.Get("X-Account-Id"))}
		if h := req.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
			if strings.EqualFold(scheme, "Bearer") {
				creds.Token = strings.TrimSpace(tok)
			}
		}
		ctx := requests.WithRequest(req.Context(), reqinfo.RequestInfo{Credentials: creds, Channel: models.ChannelGraphQL, Remote: reqinfo.RemoteAddr(req),
			BaseURL: reqinfo.BaseURL(req), UseFor: strings.TrimSpace(req.Header.Get("X-Use-For")),
			National: reqinfo.NationalHeaders(req),
			Lang:     models.ParseAcceptLanguage(req.Header.Get("Accept-Language"))})
		if l, ok := requests.(interface {
			RetryAfter(context.Context) time.Duration
		}); ok {
			w = &retryAfterWriter{ResponseWriter: w, ctx: ctx, limited: l.RetryAfter}
		}
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}
