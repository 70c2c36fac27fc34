// Package overhttp adapts gqlgen's HTTP answers to the GraphQL-over-HTTP
// specification.
package overhttp

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
)

// Wrap adjusts gqlgen's answers to GraphQL request errors to the
// GraphQL-over-HTTP specification's recommendations (graphql-http audits
// 572B, FDE2, 7B9B, D586, 5E5B, 3E3A) for the requests POST does not
// answer (GET, and anything gqlgen refuses before a transport):
//   - under application/json, parse/validation/coercion failures answer 200
//     (gqlgen says 422);
//   - under application/graphql-response+json, a request error (4xx) has no
//     "data" entry (gqlgen writes "data": null).
//
// POST requests with a JSON body pass straight through: POST makes the
// same adjustments where it writes the answer.
func Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (POST{}).Supports(r) {
			next.ServeHTTP(w, r)
			return
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
