package resolvers

import (
	"bytes"
	"strings"
	"testing"

	"certgraph/graph"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
)

// quotedByGqlgen is s as gqlgen's own string marshaller writes it.
func quotedByGqlgen(s string) string {
	var b bytes.Buffer
	graphql.MarshalString(s).MarshalGQL(&b)
	return b.String()
}

func TestWriteQuotedMatchesGqlgen(t *testing.T) {
	cases := []string{"", "plain", "张𠈌", "\"quoted\"", `back\slash`, "\t\r\n", "\x00\x01\x1f\x7f", "\u2028\u2029",
		"<script>&</script>", "😀", "\xff\xfe invalid UTF-8", "a\x00b\"c\\d\ne"}
	for i := 0; i < 0x80; i++ {
		cases = append(cases, string(rune(i)), "x"+string(rune(i))+"y")
	}
	for _, s := range cases {
		var b bytes.Buffer
		writeQuoted(&b, s)
		if want := quotedByGqlgen(s); b.String() != want {
			t.Errorf("writeQuoted(%q) = %s, gqlgen writes %s", s, b.String(), want)
		}
	}
}

func FuzzWriteQuoted(f *testing.F) {
	for _, s := range []string{"", "张三", "\"\\\n\x00", "\xff", "😀\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		writeQuoted(&b, s)
		if want := quotedByGqlgen(s); b.String() != want {
			t.Fatalf("writeQuoted(%q) = %s, gqlgen writes %s", s, b.String(), want)
		}
	})
}

// TestDirectFieldsExist: every field the direct path claims is in the
// schema, so a renamed field cannot silently leave it answering nothing.
func TestDirectFieldsExist(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for typ, fields := range directFields {
		def := schema.Types[typ]
		if def == nil {
			t.Errorf("%s is not a type of the schema", typ)
			continue
		}
		for f := range fields {
			if def.Fields.ForName(f) == nil {
				t.Errorf("%s.%s is not a field of the schema", typ, f)
			}
		}
	}
}

// TestDirectEligible: the direct path takes only what it can answer,
// wherever fragments hide a field and whatever directives decide.
func TestDirectEligible(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	cases := []struct {
		doc  string
		want bool
	}{
		{`{ certificate(id: "x", useFor: OTHER) { id name surfaces { name value } holder { code certificates(useFor: OTHER) { id } } } }`, true},
		{`{ holder(code: "x") { code type { name } } certificates(holderCode: "x", useFor: OTHER) { id } __typename }`, true},
		{`query($s: Boolean!) { certificate(id: "x", useFor: OTHER) { id @skip(if: $s) ... on _Entity { __typename } } }`, true},
		{`{ certificate(id: "x", useFor: OTHER) { ...F } } fragment F on Certificate { id ...G } fragment G on Certificate { name }`, true},
		{`{ certificate(id: "x", useFor: OTHER) { id fileLink { url } } }`, false},
		{`{ certificate(id: "x", useFor: OTHER) { ...F } } fragment F on Certificate { id ...G } fragment G on Certificate { encryptedId { encryptedId } }`, false},
		{`{ certificate(id: "x", useFor: OTHER) { ... @skip(if: true) { file { format } } } }`, false},
		{`{ certificate(id: "x", useFor: OTHER) { type { surfaceTemplate { name } } } }`, false},
		{`{ certificate(id: "x", useFor: OTHER) { id ... @defer { name } } }`, false},
		{`{ me { id } }`, false},
		{`{ __schema { queryType { name } } }`, false},
		{`{ searchCertificates(useFor: OTHER) { totalCount } }`, false},
	}
	for _, c := range cases {
		doc, errs := gqlparser.LoadQuery(schema, c.doc)
		if errs != nil {
			if strings.Contains(c.doc, "@defer") {
				continue // not in this schema's directives: gqlgen refuses it before any resolver
			}
			t.Fatalf("%s: %v", c.doc, errs)
		}
		if got := directEligible(doc.Operations[0].SelectionSet); got != c.want {
			t.Errorf("directEligible(%s) = %v, want %v", c.doc, got, c.want)
		}
	}
}
