package resolvers

import (
	"context"
	"testing"

	"certgraph/graph"
	"certgraph/internal/gqllimits"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator"
)

// TestRememberedComplexityIsGqlgens: gqllimits.Complexity, remembering
// complexities with ComplexityVariableArgs, computes for every request what
// gqlgen's complexity.Calculate computes for it, when the same document
// comes again with other variables: a page size changes it; @skip and
// @include do not (gqlgen counts what they guard, whatever they decide: if
// that changed, the cases that say so fail).
func TestRememberedComplexityIsGqlgens(t *testing.T) {
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}, Complexity: Complexity()})
	c := &gqllimits.Complexity{Limit: 1 << 30, VariableArgs: ComplexityVariableArgs, Known: lru.New[int](100)}
	if err := c.Validate(es); err != nil {
		t.Fatal(err)
	}
	const cert = `id surfaces { name value } holder { certificates(useFor: OTHER) { surfaces { name } } }`
	cases := []struct {
		query  string
		varies bool // the variables change the complexity (else the case shows a remembered one is right)
		vars   []map[string]any
	}{
		{`query($id: ID!) { certificate(id: $id, useFor: OTHER) { ` + cert + ` } }`, false,
			[]map[string]any{{"id": "a"}, {"id": "b"}}},
		{`query($n: Int) { searchCertificates(filter: {}, useFor: OTHER, first: $n) { edges { node { ` + cert + ` } } } }`, true,
			[]map[string]any{{"n": 1}, {"n": 100}, {"n": nil}, {"n": 3}}},
		{`query($n: Int) { accessRecords(first: $n) { edges { node { id } } } }`, true,
			[]map[string]any{{"n": 200}, {"n": 2}}},
		{`query($s: Boolean!) { certificate(id: "x", useFor: OTHER) { id surfaces @skip(if: $s) { name } } }`, false,
			[]map[string]any{{"s": false}, {"s": true}, {"s": false}}},
		{`query($i: Boolean!) { certificate(id: "x", useFor: OTHER) { ...F } } fragment F on Certificate { id ... @include(if: $i) { surfaces { name } } }`, false,
			[]map[string]any{{"i": true}, {"i": false}}},
		{`query($i: Boolean!) { ...Q } fragment Q on Query { statistics { total } holder(code: "x") @include(if: $i) { certificates(useFor: OTHER) { id } } }`, false,
			[]map[string]any{{"i": true}, {"i": false}}},
	}
	for _, tc := range cases {
		doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
		if errs != nil {
			t.Fatalf("%s: %v", tc.query, errs)
		}
		op := doc.Operations[0]
		seen := map[int]bool{}
		for _, raw := range tc.vars {
			vars, err := validator.VariableValues(es.Schema(), op, raw)
			if err != nil {
				t.Fatal(err)
			}
			oc := &graphql.OperationContext{RawQuery: tc.query, Doc: doc, Variables: vars}
			if err := c.MutateOperationContext(context.Background(), oc); err != nil {
				t.Fatal(err)
			}
			want := complexity.Calculate(context.Background(), es, op, vars)
			got, _ := oc.Stats.GetExtension("ComplexityLimit").(*extension.ComplexityStats)
			if got == nil || got.Complexity != want || got.ComplexityLimit != c.Limit {
				t.Fatalf("%s with %v: %+v, gqlgen computes complexity %d", tc.query, raw, got, want)
			}
			seen[want] = true
		}
		if varies := len(seen) > 1; varies != tc.varies {
			t.Fatalf("%s: the variables change the complexity: %v, want %v", tc.query, varies, tc.varies)
		}
	}
}
