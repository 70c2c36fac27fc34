// Package overhttp adapts gqlgen's HTTP answers to the GraphQL-over-HTTP
// specification.
package overhttp

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
)

// Wrap adjusts gqlgen's answers to GraphQL request errors to the
// GraphQL-over-HTTP specification's recommendations (graphql-http audits
// 572B, FDE2, 7B9B, D586, 5E5B, 3E3A):
//   - a POST whose JSON body has neither a query nor an APQ hash is not a
//     well-formed GraphQL request: 400;
//   - under application/json, parse/validation/coercion failures answer 200
//     (gqlgen says 422);
//   - under application/graphql-response+json, a request error (4xx) has no
//     "data" entry (gqlgen writes "data": null).
func Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				var p struct {
					Query      *string `json:"query"`
					Extensions struct {
						PersistedQuery json.RawMessage `json:"persistedQuery"`
					} `json:"extensions"`
				}
				if json.Unmarshal(body, &p) == nil && p.Query == nil && p.Extensions.PersistedQuery == nil {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, `{"errors":[{"message":"the request has no query","extensions":{"code":"BAD_REQUEST"}}]}`)
					return
				}
			}
		}
		rw := &requestErrorWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// requestErrorWriter rewrites the status or body of request-error answers.
type requestErrorWriter struct {
	http.ResponseWriter
	status int
	held   *bytes.Buffer // a graphql-response+json error body, held back to drop "data"
}

func (w *requestErrorWriter) WriteHeader(code int) {
	ct, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
	switch {
	case code == http.StatusUnprocessableEntity && ct == "application/json":
		code = http.StatusOK
	case code >= 400 && code < 500 && ct == "application/graphql-response+json":
		w.status, w.held = code, new(bytes.Buffer)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *requestErrorWriter) Write(p []byte) (int, error) {
	if w.held != nil {
		return w.held.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

func (w *requestErrorWriter) finish() {
	if w.held == nil {
		return
	}
	body := w.held.Bytes()
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil && string(m["data"]) == "null" {
		delete(m, "data")
		if b, err := json.Marshal(m); err == nil {
			body = b
		}
	}
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(body)
}
