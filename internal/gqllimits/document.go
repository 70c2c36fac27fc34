package gqllimits

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Defaults of Document: generous for every query the schema's users send
// (GraphiQL's introspection query is about 230 fields once
// its fragments are expanded), small enough that gqlparser's validation,
// whose overlapping-fields rule grows with the square of the fields, stays
// in milliseconds.
const (
	DefaultMaxTokens     = 5000
	DefaultMaxFields     = 500
	DefaultMaxDirectives = 50
)

// Document is a gqlgen handler extension that measures a GraphQL document
// before gqlgen validates it, and refuses one with more than MaxTokens
// lexical tokens, more than MaxFields field selections (each fragment
// counted at every place it is spread) or more than MaxDirectives directives.
// Validation is the costly step for a large document (5,000 repeated fields
// took seconds of CPU), and a document refused here never reaches it.
//
// It must be used after extension.AutomaticPersistedQuery, which turns a
// hash into the query text this measures.
type Document struct {
	MaxTokens     int
	MaxFields     int
	MaxDirectives int
	// Passed, when set, remembers (by SHA-256) the query texts that passed,
	// so a client repeating a query — the common case — is not parsed and
	// measured again on every request. The limits are fixed for the life of
	// the extension, so a text that passed once passes again.
	Passed graphql.Cache[struct{}]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = Document{}

// ExtensionName names the extension in gqlgen's registry.
func (Document) ExtensionName() string { return "DocumentLimit" }

// Validate is called once when the server starts.
func (d Document) Validate(graphql.ExecutableSchema) error {
	if d.MaxTokens < 1 || d.MaxFields < 1 || d.MaxDirectives < 0 {
		return fmt.Errorf("document limits must be positive: tokens %d, fields %d, directives %d", d.MaxTokens, d.MaxFields, d.MaxDirectives)
	}
	return nil
}

// MutateOperationParameters measures the query text. A document that does not
// parse is left to gqlgen, which reports the syntax error itself.
func (d Document) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if d.Passed == nil || p.Query == "" {
		return d.Check(p.Query)
	}
	sum := sha256.Sum256([]byte(p.Query))
	key := string(sum[:])
	if _, ok := d.Passed.Get(ctx, key); ok {
		return nil
	}
	if err := d.Check(p.Query); err != nil {
		return err
	}
	d.Passed.Add(ctx, key, struct{}{})
	return nil
}

// Check measures one query text against the limits, returning the error
// that refuses it or nil.
func (d Document) Check(query string) *gqlerror.Error {
	if query == "" {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, d.MaxTokens)
	if err != nil {
		if gerr, ok := err.(*gqlerror.Error); ok && strings.HasPrefix(gerr.Message, "exceeded token limit") {
			return limitError(CodeTokens, fmt.Sprintf("the document has more than %d tokens, the limit", d.MaxTokens), d.MaxTokens)
		}
		return nil
	}
	c := counter{doc: doc, fragments: map[string]int{}, budget: d.MaxFields}
	fields := 0
	for _, op := range doc.Operations {
		fields += c.fields(op.SelectionSet)
		if fields > d.MaxFields {
			break
		}
	}
	if fields > d.MaxFields {
		return limitError(CodeFields, fmt.Sprintf("the document selects more than %d fields (fragments counted where spread), the limit", d.MaxFields), d.MaxFields)
	}
	if n := countDirectives(doc); n > d.MaxDirectives {
		return limitError(CodeDirectives, fmt.Sprintf("the document has %d directives, more than the limit of %d", n, d.MaxDirectives), d.MaxDirectives)
	}
	return nil
}

func limitError(code, msg string, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	err.Extensions = map[string]any{"code": code, "limit": limit}
	return err
}

// counter counts field selections with every fragment spread expanded. A
// fragment's own count is kept once computed, so chains of fragments that
// spread the next one many times are counted in time linear in the
// document, and counting stops once the budget is spent.
type counter struct {
	doc       *ast.QueryDocument
	fragments map[string]int // name → expanded count; -1 while being counted (a cycle)
	budget    int
}

func (c *counter) fields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n += 1 + c.fields(s.SelectionSet)
		case *ast.InlineFragment:
			n += c.fields(s.SelectionSet)
		case *ast.FragmentSpread:
			n += c.fragment(s.Name)
		}
		if n > c.budget {
			return n // enough to refuse; the exact figure does not matter
		}
	}
	return n
}

func (c *counter) fragment(name string) int {
	if n, ok := c.fragments[name]; ok {
		if n < 0 {
			return 0 // a cycle: validation reports it
		}
		return n
	}
	f := c.doc.Fragments.ForName(name)
	if f == nil {
		return 0 // unknown fragment: validation reports it
	}
	c.fragments[name] = -1
	n := c.fields(f.SelectionSet)
	c.fragments[name] = n
	return n
}

// countDirectives counts the directives written in the document, on
// operations, fields, fragments and spreads alike.
func countDirectives(doc *ast.QueryDocument) int {
	n := 0
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n += len(s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				n += len(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				n += len(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		n += len(op.Directives)
		for _, v := range op.VariableDefinitions {
			n += len(v.Directives)
		}
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += len(f.Directives)
		walk(f.SelectionSet)
	}
	return n
}
