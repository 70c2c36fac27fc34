package gqllimits

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultMaxAliases is how many times one operation may ask for each
// expensive root field by default.
const DefaultMaxAliases = 5

// Aliases is a gqlgen handler extension that refuses an operation asking
// for one of Fields (root fields of the operation's type, by name) more than
// Max times, under aliases or through fragments. The complexity limit weighs
// these fields by their cost; this cap keeps a cheap-looking selection of
// them from being repeated to the edge of that limit.
type Aliases struct {
	Fields []string
	Max    int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Aliases{}

// ExtensionName names the extension in gqlgen's registry.
func (Aliases) ExtensionName() string { return "AliasLimit" }

// Validate is called once when the server starts.
func (a Aliases) Validate(graphql.ExecutableSchema) error {
	if a.Max < 1 {
		return fmt.Errorf("alias limit must be at least 1")
	}
	return nil
}

// MutateOperationContext counts the operation's root fields after validation.
func (a Aliases) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	keys := map[string]map[string]bool{}
	rootFields(oc.Operation.SelectionSet, oc.Doc, map[string]bool{}, keys)
	names := make([]string, 0, len(keys))
	for name := range keys {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if n := len(keys[name]); n > a.Max && slices.Contains(a.Fields, name) {
			err := gqlerror.Errorf("the operation asks for %s %d times, more than the limit of %d: it is expensive, ask once with a wider filter", name, n, a.Max)
			err.Extensions = map[string]any{"code": CodeAliases, "field": name, "count": n, "limit": a.Max}
			return err
		}
	}
	return nil
}

// rootFields collects, for each field name selected at the top of set, the
// response keys (aliases) it is selected under, looking into inline
// fragments and fragment spreads. Selections under the same key are merged
// into one by GraphQL, so they count once.
func rootFields(set ast.SelectionSet, doc *ast.QueryDocument, visiting map[string]bool, keys map[string]map[string]bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if keys[s.Name] == nil {
				keys[s.Name] = map[string]bool{}
			}
			keys[s.Name][s.Alias] = true
		case *ast.InlineFragment:
			rootFields(s.SelectionSet, doc, visiting, keys)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue
			}
			if f := doc.Fragments.ForName(s.Name); f != nil {
				visiting[s.Name] = true
				rootFields(f.SelectionSet, doc, visiting, keys)
				delete(visiting, s.Name)
			}
		}
	}
}
