// Package gqllimits bounds what one GraphQL request may cost: body size at
// the HTTP edge; tokens, fields and directives before validation; nesting
// depth and repeated expensive fields after it (complexity through gqlgen's
// own extension); and the size of the errors sent back. Each limit fails
// with its own extensions.code.
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

// Codes of the errors this package answers with, in extensions.code.
const (
	CodeTokens       = "TOKEN_LIMIT_EXCEEDED"
	CodeFields       = "FIELD_LIMIT_EXCEEDED"
	CodeDirectives   = "DIRECTIVE_LIMIT_EXCEEDED"
	CodeAliases      = "ALIAS_LIMIT_EXCEEDED"
	CodeDepth        = "DEPTH_LIMIT_EXCEEDED"
	CodeBodyTooLarge = "BODY_TOO_LARGE"
	CodeTruncated    = "ERRORS_TRUNCATED"
)

// MaxIntrospectionDepth bounds the subtrees under __schema and __type,
// which Depth measures apart from the rest of an operation: GraphiQL's
// introspection query is 15 levels deep (its TypeRef fragment unwraps
// ofType eight times) and code generators send similar ones, so they must
// pass whatever --max-depth says, yet introspection must stay bounded.
// gqlparser's MaxIntrospectionDepth rule also refuses fields → type →
// fields cycles more than three deep.
const MaxIntrospectionDepth = 20

// Depth is a gqlgen handler extension that rejects operations nested deeper
// than Max levels of fields (fragments are followed). Introspection subtrees
// (__schema, __type) do not count against Max; they are bounded by
// MaxIntrospectionDepth instead.
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
	m := depthMeter{doc: oc.Doc, visiting: map[string]bool{}}
	depth := m.depth(oc.Operation.SelectionSet, 0)
	if depth > d.Max {
		err := gqlerror.Errorf("operation is nested %d levels deep, more than the limit of %d", depth, d.Max)
		err.Extensions = map[string]any{"code": CodeDepth, "depth": depth, "limit": d.Max}
		return err
	}
	if m.introspection > MaxIntrospectionDepth {
		err := gqlerror.Errorf("introspection is nested %d levels deep, more than the limit of %d", m.introspection, MaxIntrospectionDepth)
		err.Extensions = map[string]any{"code": CodeDepth, "depth": m.introspection, "limit": MaxIntrospectionDepth}
		return err
	}
	return nil
}

// depthMeter measures an operation's depth, keeping the deepest
// introspection subtree apart.
type depthMeter struct {
	doc           *ast.QueryDocument
	visiting      map[string]bool
	introspection int // deepest level reached under __schema or __type
}

// depth returns how many levels of fields set adds below level, not
// counting what lies under introspection fields (those count 1 here and
// are measured into m.introspection).
func (m *depthMeter) depth(set ast.SelectionSet, level int) int {
	max := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1
			if s.Name == "__schema" || s.Name == "__type" {
				if total := level + 1 + m.plain(s.SelectionSet); total > m.introspection {
					m.introspection = total
				}
			} else if len(s.SelectionSet) > 0 {
				d += m.depth(s.SelectionSet, level+1)
			}
		case *ast.InlineFragment:
			d = m.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			if m.visiting[s.Name] {
				continue // a cycle is a validation error reported elsewhere
			}
			if f := m.doc.Fragments.ForName(s.Name); f != nil {
				m.visiting[s.Name] = true
				d = m.depth(f.SelectionSet, level)
				delete(m.visiting, s.Name)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}

// plain is the depth of set counting every field, introspection or not.
func (m *depthMeter) plain(set ast.SelectionSet) int {
	max := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + m.plain(s.SelectionSet)
		case *ast.InlineFragment:
			d = m.plain(s.SelectionSet)
		case *ast.FragmentSpread:
			if m.visiting[s.Name] {
				continue
			}
			if f := m.doc.Fragments.ForName(s.Name); f != nil {
				m.visiting[s.Name] = true
				d = m.plain(f.SelectionSet)
				delete(m.visiting, s.Name)
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
		"extensions": map[string]any{"code": CodeBodyTooLarge, "limit": max},
	}}})
}
