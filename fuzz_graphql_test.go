package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"certgraph/internal/gqllimits"
	"certgraph/internal/graphiql"
)

// FuzzGraphQLDocument sends arbitrary GraphQL documents (or, with asBody, arbitrary request
// bodies) through certgraph's real HTTP handler, with the default limits and an analyst's
// token, against a database holding a few certificates. Whatever it gets, the server must
// answer without a 5xx, in JSON, with at most the error budget and a bounded body. The
// committed corpus (testdata/fuzz/FuzzGraphQLDocument) holds the floods of the hardening
// review: 5,000 repeated fields, 1,600 statistics aliases, @include floods, fragment bombs,
// deep nesting and an invalid JSON body.
func FuzzGraphQLDocument(f *testing.F) {
	f.Add("{ me { id systemName roles } }", false)
	f.Add("{ statistics { total byType { key count } } }", false)
	f.Add(graphiql.ExampleQuery, false)
	f.Add(`{"query": "{ me { id } }"}`, true)
	e := newTestEnv(f, nil)
	e.standardFixture(3, 2)
	_, tok := e.withRoles("CONSUMER", "ANALYST")
	h := newServer(e.app)
	f.Fuzz(func(t *testing.T, doc string, asBody bool) {
		body := []byte(doc)
		if !asBody {
			body, _ = json.Marshal(map[string]string{"query": doc})
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("answered %d: %.500s", rec.Code, rec.Body.Bytes())
		}
		out := rec.Body.Bytes()
		if len(out) > 1<<20 {
			t.Fatalf("answered %d bytes to a %d-byte request", len(out), len(body))
		}
		var resp struct {
			Errors []json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("answer is not JSON (%d): %.500s", rec.Code, out)
		}
		if len(resp.Errors) > gqllimits.DefaultMaxErrors+1 {
			t.Fatalf("%d errors, more than the budget of %d", len(resp.Errors), gqllimits.DefaultMaxErrors+1)
		}
		for _, e := range resp.Errors {
			var m struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(e, &m) == nil && len(m.Message) > gqllimits.DefaultMaxMessageBytes+64 {
				t.Fatalf("an error message of %d bytes: %.300s", len(m.Message), m.Message)
			}
		}
	})
}
