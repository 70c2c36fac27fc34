package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"

	"certgraph/internal/gqllimits"
)

// The attacks of the hardening review (CPU from one request), each sent over HTTP to a
// real server with the default limits.

// TestRepeatedFieldsRefusedBeforeValidation: 5,000 repeated fields (15 KB, unauthenticated,
// a comment to miss the query cache) used to cost seconds of validation before the
// complexity limit refused them; now the document is refused as it is parsed.
func TestRepeatedFieldsRefusedBeforeValidation(t *testing.T) {
	e := newTestEnv(t, nil)
	q := "{ me { " + strings.Repeat("id ", 5000) + "} } # " + fmt.Sprint(rand.Int64())
	r := e.gql("", q, nil)
	if r.code() != gqllimits.CodeTokens {
		t.Fatalf("5,000 fields: %d %.300s, want %s", r.Status, r.Raw, gqllimits.CodeTokens)
	}
	// Within the token limit but over the field limit through fragments.
	q = "fragment F on Account { " + strings.Repeat("id ", 100) + "} { me { " + strings.Repeat("...F ", 20) + "} }"
	if r := e.gql("", q, nil); r.code() != gqllimits.CodeFields {
		t.Fatalf("2,000 fields through a fragment: %d %.300s, want %s", r.Status, r.Raw, gqllimits.CodeFields)
	}
}

// TestStatisticsAliasesRefused: 1,600 aliases of statistics { total } passed the complexity
// limit and ran 6,400 aggregate queries. Now the document is too long; fewer aliases are
// capped, and statistics weighs what its queries cost.
func TestStatisticsAliasesRefused(t *testing.T) {
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " s%d: statistics { total }", i)
		}
		return b.String() + " }"
	}
	e := newTestEnv(t, nil)
	e.standardFixture(3, 2)
	_, tok := e.withRoles("ANALYST")
	for n, want := range map[int]string{1600: gqllimits.CodeTokens, 200: gqllimits.CodeAliases, gqllimits.DefaultMaxAliases + 1: gqllimits.CodeAliases} {
		if r := e.gql(tok, aliases(n), nil); r.code() != want || r.Data != nil {
			t.Errorf("%d aliases: %d %.300s, want %s and no data", n, r.Status, r.Raw, want)
		}
	}
	r := e.gql(tok, aliases(gqllimits.DefaultMaxAliases), nil).must(t)
	if n, _ := r.get("s4.total").(float64); n < 1 {
		t.Errorf("%d aliases: %s", gqllimits.DefaultMaxAliases, r.Raw)
	}

	// Under --max-complexity 1000, three statistics fit and four do not: each runs six
	// queries and weighs 250 (as a plain field it weighed 2).
	e = newTestEnv(t, map[string]string{"CERTGRAPH_MAX_COMPLEXITY": "1000"})
	_, tok = e.withRoles("ANALYST")
	e.gql(tok, aliases(3), nil).must(t)
	if r := e.gql(tok, aliases(4), nil); r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("4 statistics under --max-complexity 1000: %d %.300s, want COMPLEXITY_LIMIT_EXCEEDED", r.Status, r.Raw)
	}
}

// TestDirectiveFloodAnswersBriefly: 34 KB of repeated @include used to answer 324 KB of
// errors; a smaller flood within the token limit is refused by count, and any list of
// errors is cut to the limit.
func TestDirectiveFloodAnswersBriefly(t *testing.T) {
	e := newTestEnv(t, nil)
	flood := func(n int) string { return "{ me { id " + strings.Repeat("@include(if: true) ", n) + "} }" }
	for n, want := range map[int]string{1900: gqllimits.CodeTokens, 500: gqllimits.CodeDirectives} {
		r := e.gql("", flood(n), nil)
		if r.code() != want || len(r.Raw) > 1024 {
			t.Errorf("%d directives (%d bytes): %s in %d bytes, want %s in under 1 KiB", n, len(flood(n)), r.code(), len(r.Raw), want)
		}
	}
	// 40 repeated directives pass the count and fail validation 39 times: the answer
	// carries the first errors and says how many it left out.
	r := e.gql("", flood(40), nil)
	if len(r.Errors) != gqllimits.DefaultMaxErrors+1 {
		t.Fatalf("40 directives: %d errors, want %d + 1: %.500s", len(r.Errors), gqllimits.DefaultMaxErrors, r.Raw)
	}
	last := r.Errors[len(r.Errors)-1]
	if last.Extensions["code"] != gqllimits.CodeTruncated || last.Extensions["omitted"] != float64(39-gqllimits.DefaultMaxErrors) {
		t.Errorf("last error: %+v", last)
	}
}

// TestInvalidJSONNotEchoed: a 5 MB body that is not JSON came back whole in the error.
func TestInvalidJSONNotEchoed(t *testing.T) {
	e := newTestEnv(t, nil)
	body := append([]byte(`{"query": "`), bytes.Repeat([]byte("x"), 5<<20)...)
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	r := e.do(req)
	if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "could not be decoded") {
		t.Fatalf("invalid JSON: %d %.300s", r.Status, r.Raw)
	}
	if len(r.Raw) > 2*gqllimits.DefaultMaxMessageBytes {
		t.Errorf("invalid JSON of %d bytes answered with %d bytes", len(body), len(r.Raw))
	}
}

// TestIntrospectionUnderDefaultLimits: the introspection queries GraphiQL and code
// generators send are 15 levels deep, deeper than --max-depth's default of 12; they must
// pass it, without a token.
func TestIntrospectionUnderDefaultLimits(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, name := range []string{"graphiql", "full"} {
		q, err := os.ReadFile("testdata/introspection/" + name + ".graphql")
		if err != nil {
			t.Fatal(err)
		}
		r := e.gql("", string(q), nil).must(t)
		types := r.list("__schema.types")
		found := map[string]bool{}
		for _, typ := range types {
			found[typ.(map[string]any)["name"].(string)] = true
		}
		for _, want := range []string{"Query", "Mutation", "Certificate", "Holder", "Statistics"} {
			if !found[want] {
				t.Errorf("%s introspection lacks %s among %d types", name, want, len(types))
			}
		}
	}
}
