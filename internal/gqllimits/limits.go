// Package gqllimits bounds what one GraphQL operation may ask for: nesting
// depth here, complexity through gqlgen's extension, body size at the HTTP
// edge. Each limit fails with its own extensions.code.
package gqllimits

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Depth is a gqlgen handler extension that rejects operations nested deeper
// than Max levels of fields (fragments are followed; introspection counts
// like any other query).
type Depth struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Depth{}

// ExtensionName names the extension in gqlgen's registry.
func (Depth) ExtensionName() string { return "DepthLimit" }

// Validate is called once when the server starts.
func (d Depth) Validate(graphql.ExecutableSchema) error {
	if d.Max < 1 {
		return fmt.Errorf("depth limit must be at least 1")
	}
	return nil
}

// MutateOperationContext measures the operation before it runs.
func (d Depth) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	depth := selectionDepth(oc.Operation.SelectionSet, oc.Doc, map[string]bool{})
	if depth > d.Max {
		err := gqlerror.Errorf("operation is nested %d levels deep, more than the limit of %d", depth, d.Max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED", "depth": depth, "limit": d.Max}
		return err
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, doc *ast.QueryDocument, visiting map[string]bool) int {
	max := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1
			if len(s.SelectionSet) > 0 {
				d += selectionDepth(s.SelectionSet, doc, visiting)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, doc, visiting)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue // a cycle is a validation error reported elsewhere
			}
			if f := doc.Fragments.ForName(s.Name); f != nil {
				visiting[s.Name] = true
				d = selectionDepth(f.SelectionSet, doc, visiting)
				delete(visiting, s.Name)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}

// BodyLimit answers 413 with a GraphQL error body when a request body is
// larger than max bytes, before anything parses it. Bodies within the limit
// are read whole (they are small by definition) and handed on.
func BodyLimit(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			tooLarge(w, max)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
			if err != nil {
				http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
				return
			}
			if int64(len(b)) > max {
				tooLarge(w, max)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, max int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message":    "request body is larger than the limit of " + strconv.FormatInt(max, 10) + " bytes",
		"extensions": map[string]any{"code": "BODY_TOO_LARGE", "limit": max},
	}}})
}
