package gqllimits

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeComplexity is the code of Complexity's refusal, the one gqlgen's
// extension.ComplexityLimit answers with.
const CodeComplexity = "COMPLEXITY_LIMIT_EXCEEDED"

// Complexity is gqlgen's extension.FixedComplexityLimit that remembers
// what it computed. gqlgen computes an operation's complexity on every
// request, walking the operation and coercing the arguments of every field
// with a cost function: 4 % of a cache-hot read's CPU (issue 8), for a
// number that only the document and a few variables decide.
//
// An operation's complexity depends on its variables only through the
// arguments the schema's cost functions read (VariableArgs; gqlgen counts
// the fields under @skip and @include whatever their condition, the worst
// case). An operation that passes none of them has the same complexity
// whatever its variables, and Known keeps it by the document's text and
// the operation's name. Any other operation is computed on every request,
// as gqlgen does.
type Complexity struct {
	Limit int
	// VariableArgs are the names of the arguments any cost function reads
	// (a page size, say). A cost function that reads an argument not named
	// here would be cached wrongly.
	VariableArgs []string
	// Known remembers complexities; nil computes every one.
	Known graphql.Cache[int]

	es graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &Complexity{}

// ExtensionName is gqlgen's extension's name, so that its statistics
// (extension.GetComplexityStats) read the same.
func (*Complexity) ExtensionName() string { return "ComplexityLimit" }

// Validate keeps the schema whose cost functions it calls.
func (c *Complexity) Validate(es graphql.ExecutableSchema) error {
	if c.Limit < 1 {
		return fmt.Errorf("complexity limit must be positive: %d", c.Limit)
	}
	c.es = es
	return nil
}

// notCached marks, in Known, an operation whose complexity its variables
// may change.
const notCached = -1

// MutateOperationContext measures the operation before it runs.
func (c *Complexity) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	key := oc.OperationName + "\x00" + oc.RawQuery
	n, known := -1, false
	if c.Known != nil {
		n, known = c.Known.Get(ctx, key)
	}
	if !known || n == notCached {
		n = complexity.Calculate(ctx, c.es, op, oc.Variables)
		if c.Known != nil && !known {
			if c.variable(op, oc.Doc) {
				c.Known.Add(ctx, key, notCached)
			} else {
				c.Known.Add(ctx, key, n)
			}
		}
	}
	oc.Stats.SetExtension(c.ExtensionName(), &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.Limit})
	if n > c.Limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.Limit)
		errcode.Set(err, CodeComplexity)
		return err
	}
	return nil
}

// variable reports whether op's complexity may depend on its variables:
// whether it (with its fragments) passes an argument in VariableArgs. Each
// fragment is looked at once.
func (c *Complexity) variable(op *ast.OperationDefinition, doc *ast.QueryDocument) bool {
	if op == nil {
		return true
	}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if walk(s.SelectionSet) {
					return true
				}
				for _, name := range c.VariableArgs {
					if s.Arguments.ForName(name) != nil {
						return true
					}
				}
			case *ast.InlineFragment:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if !seen[s.Name] {
					seen[s.Name] = true
					if f := doc.Fragments.ForName(s.Name); f == nil || walk(f.SelectionSet) {
						return true
					}
				}
			}
		}
		return false
	}
	return walk(op.SelectionSet)
}
