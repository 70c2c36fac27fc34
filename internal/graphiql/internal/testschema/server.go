// Package testschema is a minimal real GraphQL server for the GraphiQL browser test: a
// gqlgen-generated executable schema (schema.graphqls) behind gqlgen's HTTP handler, with the
// same bearer-token rule and UNAUTHENTICATED error code as certgraph's API.
package testschema

//go:generate go tool gqlgen generate --config gqlgen.yml

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Greeting is what hello answers to an authenticated request.
const Greeting = "world"

// ErrUnauthenticatedMessage is the message of the error hello returns without the token.
const ErrUnauthenticatedMessage = "missing or invalid bearer token"

type tokenKey struct{}

// NewServer returns the GraphQL endpoint: POST and GET transports, introspection on (so
// GraphiQL can load the schema without a token), and `hello` answering only requests whose
// Authorization header is "Bearer <token>".
func NewServer(token string) http.Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: resolver{token: token}}))
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.Use(extension.Introspection{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, bearer)))
	})
}

type resolver struct{ token string }

func (r resolver) Query() QueryResolver { return r }

func (r resolver) Hello(ctx context.Context) (string, error) {
	got, _ := ctx.Value(tokenKey{}).(string)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(r.token)) != 1 {
		return "", &gqlerror.Error{
			Message:    ErrUnauthenticatedMessage,
			Extensions: map[string]any{"code": "UNAUTHENTICATED"},
		}
	}
	return Greeting, nil
}
