package gqllimits

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

var defaults = Document{MaxTokens: DefaultMaxTokens, MaxFields: DefaultMaxFields, MaxDirectives: DefaultMaxDirectives}

func code(err *gqlerror.Error) string {
	if err == nil {
		return ""
	}
	c, _ := err.Extensions["code"].(string)
	return c
}

func TestDocumentLimits(t *testing.T) {
	repeat := func(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }
	// A fragment chain F0 → F1 → … each spreading the next twice: 2^30 fields once expanded,
	// in 300 bytes.
	var chain strings.Builder
	chain.WriteString("{ me { ...F0 } }\n")
	for i := range 30 {
		fmt.Fprintf(&chain, "fragment F%d on Account { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	chain.WriteString("fragment F30 on Account { id }\n")
	cases := []struct {
		name, query, want string
	}{
		{"small", "{ me { id systemName } }", ""},
		{"syntax error left to gqlgen", "{ me { id ", ""},
		{"5,000 repeated fields", "{ me { " + repeat("id", 5000) + " } } # miss the cache", CodeTokens},
		{"fields at the limit", "{ me { " + repeat("id", DefaultMaxFields-1) + " } }", ""},
		{"fields over the limit", "{ me { " + repeat("id", DefaultMaxFields) + " } }", CodeFields},
		{"fragment spread many times", "fragment F on Account { " + repeat("id", 100) + " } { me { " + repeat("...F", 11) + " } }", CodeFields},
		{"fragment chain bomb", chain.String(), CodeFields},
		{"fragment cycle left to validation", "fragment A on Account { ...B } fragment B on Account { ...A } { me { ...A } }", ""},
		{"34 KB directive flood", "{ me { id " + repeat("@include(if: true)", 1900) + " } }", CodeTokens},
		{"directive flood within the token limit", "{ me { id " + repeat("@include(if: true)", 500) + " } }", CodeDirectives},
		{"directives at the limit", "{ me { id " + repeat("@include(if: true)", DefaultMaxDirectives) + " } }", ""},
		{"directives on spreads and fragments", "fragment F on Account @x { id } { me { " + repeat("...F @skip(if: false)", DefaultMaxDirectives) + " } }", CodeDirectives},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := code(defaults.Check(c.query)); got != c.want {
				t.Errorf("code %q, want %q", got, c.want)
			}
		})
	}
}

func TestIntrospectionPassesDepthButStaysBounded(t *testing.T) {
	for _, name := range []string{"graphiql", "full"} {
		q, err := os.ReadFile("../../testdata/introspection/" + name + ".graphql")
		if err != nil {
			t.Fatal(err)
		}
		oc := operation(t, string(q))
		m := depthMeter{doc: oc.Doc, visiting: map[string]bool{}}
		if plain := m.plain(oc.Operation.SelectionSet); plain <= 12 {
			t.Fatalf("%s introspection is %d deep; the test needs one deeper than the default --max-depth 12", name, plain)
		}
		if err := (Depth{Max: 12}).MutateOperationContext(context.Background(), oc); err != nil {
			t.Errorf("%s introspection refused: %v", name, err)
		}
		if err := defaults.Check(string(q)); err != nil {
			t.Errorf("%s introspection refused before validation: %v", name, err)
		}
	}
	deep := "{ __schema { types { " + strings.Repeat("ofType { ", MaxIntrospectionDepth) + "name" + strings.Repeat(" }", MaxIntrospectionDepth) + " } } }"
	if got := code((Depth{Max: 12}).MutateOperationContext(context.Background(), operation(t, deep))); got != CodeDepth {
		t.Errorf("introspection %d levels deep: code %q, want %s", MaxIntrospectionDepth+3, got, CodeDepth)
	}
	plain := "{ a " + strings.Repeat("{ a ", 12) + strings.Repeat("} ", 12) + "}"
	if got := code((Depth{Max: 12}).MutateOperationContext(context.Background(), operation(t, plain))); got != CodeDepth {
		t.Errorf("13 plain levels: code %q, want %s", got, CodeDepth)
	}
}

func TestAliasesOfExpensiveFields(t *testing.T) {
	a := Aliases{Fields: []string{"statistics"}, Max: 5}
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " s%d: statistics { total }", i)
		}
		return b.String() + " }"
	}
	for q, want := range map[string]string{
		aliases(5):    "",
		aliases(6):    CodeAliases,
		aliases(1600): CodeAliases,
		// Selections under one response key are merged into one and run once.
		"fragment S on Query { statistics { total } } { " + strings.Repeat("...S ", 10) + "}":                                                                                                               "",
		"fragment S on Query { a: statistics { total } b: statistics { total } } { ...S ... on Query { c: statistics { total } d: statistics { total } e: statistics { total } f: statistics { total } } }": CodeAliases,
		"{ a: me { id } b: me { id } c: me { id } d: me { id } e: me { id } f: me { id } g: me { id } }":                                                                                                    "",
	} {
		if got := code(a.MutateOperationContext(context.Background(), operation(t, q))); got != want {
			t.Errorf("%.80s…: code %q, want %q", q, got, want)
		}
	}
}

func TestErrorsAreBounded(t *testing.T) {
	e := Errors{Max: 3, MaxMessageBytes: 64}
	long := strings.Repeat("é", 1000) // 2,000 bytes: a cut must not split a character
	resp := e.InterceptResponse(context.Background(), func(context.Context) *graphql.Response {
		return &graphql.Response{Errors: gqlerror.List{
			{Message: long}, {Message: "b"}, {Message: "c"}, {Message: "d"}, {Message: "e"},
		}}
	})
	if len(resp.Errors) != 4 || code(resp.Errors[3]) != CodeTruncated || resp.Errors[3].Extensions["omitted"] != 2 {
		t.Fatalf("errors = %v", resp.Errors)
	}
	if m := resp.Errors[0].Message; len(m) > 64+40 || !strings.HasPrefix(m, "éé") || !strings.Contains(m, "bytes left out") || !strings.Contains(m, "é …") {
		t.Errorf("long message cut to %q", m)
	}
	if resp.Errors[1].Message != "b" {
		t.Errorf("short message changed: %q", resp.Errors[1].Message)
	}
}

// operation parses q (without validation) into the operation context the extensions see.
func operation(t *testing.T, q string) *graphql.OperationContext {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatal(err)
	}
	return &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}
}

// TestDocumentRemembersWhatPassed: with Passed set, a text that passed is
// not measured again, and a text that failed is measured (and refused)
// every time.
func TestDocumentRemembersWhatPassed(t *testing.T) {
	d := defaults
	passed := mapCache{}
	d.Passed = passed
	ctx := context.Background()
	ok := &graphql.RawParams{Query: "{ me { id } }"}
	over := &graphql.RawParams{Query: "{ me { " + strings.Repeat("id ", DefaultMaxFields+1) + "} }"}
	for range 2 {
		if err := d.MutateOperationParameters(ctx, ok); err != nil {
			t.Fatalf("small document refused: %v", err)
		}
		if got := code(d.MutateOperationParameters(ctx, over)); got != CodeFields {
			t.Fatalf("over the limit: code %q, want %q", got, CodeFields)
		}
	}
	if len(passed) != 1 {
		t.Fatalf("remembered %d texts, want 1 (only the one that passed)", len(passed))
	}
}

type mapCache map[string]struct{}

func (m mapCache) Get(_ context.Context, k string) (struct{}, bool) { v, ok := m[k]; return v, ok }
func (m mapCache) Add(_ context.Context, k string, v struct{})      { m[k] = v }
