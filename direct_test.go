package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"certgraph/internal/ident"
	"certgraph/internal/store"
	"certgraph/models"
)

// directEnv is a test server with the direct read path beside one of the
// same app without it: both share the database, the caches (so a
// signature made once reads the same through both) and the keys.
type directEnv struct {
	*testEnv
	gqlgenURL string
}

func newDirectEnv(t *testing.T, env map[string]string) *directEnv {
	e := newTestEnv(t, env)
	if !e.app.cfg.DirectReads {
		t.Fatal("direct reads are off by default")
	}
	return &directEnv{testEnv: e, gqlgenURL: withoutDirectReads(t, e.app)}
}

// withoutDirectReads starts a server of a's app with the direct read path
// off and returns its URL.
func withoutDirectReads(tb testing.TB, a *app) string {
	plain := *a
	cfg := *plain.cfg
	cfg.DirectReads = false
	plain.cfg = &cfg
	srv := httptest.NewServer(newServer(&plain))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// post answers one operation from base, raw.
func (e *directEnv) post(base, token, query string, vars map[string]any) []byte {
	e.t.Helper()
	r := e.gqlAt(base, token, query, vars)
	return append([]byte(fmt.Sprintf("HTTP %d ", r.Status)), r.Raw...)
}

// directCount is how many queries the direct path answered or handed back.
func (e *directEnv) directCount(outcome string) float64 {
	e.t.Helper()
	mfs, err := e.app.metrics.Gatherer().Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "certgraph_graphql_direct_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	e.t.Fatalf("no certgraph_graphql_direct_total{outcome=%q}", outcome)
	return 0
}

// newRecords are the access records written since the store held before
// of them, as comparable lines (time and request id aside), sorted: root
// fields run one after another on the direct path and concurrently in
// gqlgen's executor.
func (e *directEnv) newRecords(before int64) []string {
	e.t.Helper()
	n := e.auditCount() - before
	if n == 0 {
		return nil
	}
	recs, err := e.app.store.AccessRecords(context.Background(), store.AccessRecordFilter{}, 0, int(n))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, strings.Join([]string{r.AccountID, r.Operation, r.Subject, string(r.UseFor), string(r.Channel), r.Outcome, r.Detail, r.OnBehalfOf}, "|"))
	}
	slices.Sort(out)
	return out
}

// TestDirectReadsMatchGqlgen: the operations the direct read path answers,
// and those it hands back, answer the same bytes and leave the same access
// records as gqlgen's executor, for a consumer, an analyst (masked data, no
// surfaces), an administrator and no caller at all; and the path answers
// exactly the operations it should.
func TestDirectReadsMatchGqlgen(t *testing.T) {
	e := newDirectEnv(t, nil)
	person, certs := e.standardFixture(3, 4)
	org := e.addHolder(creditCode("91510100MA6C8XY5X"), "001", "测试\"引号\\公司\n")
	revoked := e.addCert(org, certSpec{TypeCode: "11100000000013338W011", Serial: "90002", Surfaces: 2, Revoked: true,
		ValidUntil: datePtr(models.DateOf(time.Now()).AddDays(30))})
	// A surface with every character JSON must escape, and some it need not.
	odd := models.Certificate{ID: mustCertID(t, "11100000000013338W011", "90003"), TypeCode: "11100000000013338W011", Name: "奇\t怪",
		Number: "N\x01\"\\", HolderID: org.ID, IssueDeptCode: deptCode, IssueDate: models.DateOf(time.Now()).AddDays(-3),
		ValidFrom: models.DateOf(time.Now()).AddDays(-3),
		Surfaces:  []models.Surface{{Position: 0, Name: "控制\x00\x1f\x7f", ColumnName: "c<>&\u2028", ValueType: models.ValueString, Value: "😀\r\n\"'\\/"}}}
	if err := e.app.store.InsertCertificate(context.Background(), &odd); err != nil {
		t.Fatal(err)
	}
	consumer := e.consumer()
	_, analyst := e.withRoles("ANALYST")
	_, admin := e.withRoles("ADMIN")

	const all = `id __typename name number issueDate validFrom validUntil status revokedAt revokeReason digitalSign region source signingKeyId
		type { __typename code name holderKind local } issueDept { __typename code name province }
		holder { __typename code name kind province type { __typename code name kind } }
		surfaces { __typename name value valueType columnName }`
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		// direct: what the direct path does for a consumer: "answered",
		// "handed_back" or "" (not its kind of operation).
		direct string
	}{
		{"bench certificate", `query($id: ID!) { certificate(id: $id, useFor: SHARED_APPLICATION) { id name number issueDate validFrom validUntil status type { code name } holder { code name } issueDept { code name } surfaces { name value valueType columnName } } }`,
			map[string]any{"id": certs[0].ID}, "answered"},
		{"every field", `query($id: ID!) { certificate(id: $id, useFor: OTHER) { ` + all + ` } }`, map[string]any{"id": certs[1].ID}, "answered"},
		{"revoked, valid until", `query($id: ID!) { certificate(id: $id, useFor: OTHER) { ` + all + ` } }`, map[string]any{"id": revoked.ID}, "answered"},
		{"escaped strings", `query($id: ID!) { certificate(id: $id, useFor: OTHER) { ` + all + ` } }`, map[string]any{"id": odd.ID}, "answered"},
		{"aliases, literals, duplicates", `{ a: certificate(id: "` + certs[0].ID + `", useFor: OTHER) { x: id id id y: name type { c: code } }
			b: certificate(id: "` + revoked.ID + `", useFor: VERIFICATION) { s: status, s2: status } __typename t: __typename }`, nil, "answered"},
		{"fragments", `query($id: ID!) { certificate(id: $id, useFor: OTHER) { ...C ... on _Entity { __typename } ... on Certificate { holder { ...H } } } }
			fragment C on Certificate { id surfaces { ... on Surface { name } value } }
			fragment H on Holder { code ... on _Entity { __typename } }`, map[string]any{"id": certs[2].ID}, "answered"},
		{"skip and include", `query($id: ID!, $yes: Boolean!, $no: Boolean!) { certificate(id: $id, useFor: OTHER) {
			id @skip(if: $yes) name @include(if: $yes) number @include(if: $no) ... @include(if: $no) { status }
			holder @skip(if: $no) { code } } }`, map[string]any{"id": certs[0].ID, "yes": true, "no": false}, "answered"},
		{"holder walk", `query($code: String!) { holder(code: $code) { code name kind province type { code name kind }
			certificates(useFor: SHARED_APPLICATION) { id number status holder { code certificates(useFor: OTHER) { id } } surfaces { name } } } }`,
			map[string]any{"code": person.Code}, "answered"},
		{"holder with type filter", `query($code: String!, $t: String) { holder(code: $code, type: $t) { name
			certificates(useFor: OTHER, type: "11100000000013338W011") { id name revokedAt } } }`,
			map[string]any{"code": org.Code, "t": "001"}, "answered"},
		{"holder of another type", `{ holder(code: "` + org.Code + `", type: "111") { code } }`, nil, "answered"},
		{"certificates", `query($code: String!) { certificates(holderCode: $code, useFor: OTHER) { id number type { name } } }`,
			map[string]any{"code": person.Code}, "answered"},
		{"certificates by number", `{ certificates(holderCode: "` + org.Code + `", holderType: "001", number: "NO90002", useFor: OTHER) { id } }`, nil, "answered"},
		{"not found", `{ certificate(id: "` + mustCertID(t, "11100000000013338W001", "77777") + `", useFor: OTHER) { id } }`, nil, "answered"},
		{"unknown holder", `{ holder(code: "` + otherPersonCode + `") { code } }`, nil, "answered"},
		{"invalid id at the root", `{ certificate(id: "not-an-id", useFor: OTHER) { id } x: certificate(id: "` + certs[0].ID + `", useFor: OTHER) { id } }`, nil, "answered"},
		{"invalid code at a root list", `{ certificates(holderCode: "123", useFor: OTHER) { id } }`, nil, "handed_back"},
		{"typename only", `{ __typename }`, nil, "answered"},
		{"over the depth limit is refused unread", `{ certificate(id: "` + certs[0].ID + `", useFor: OTHER) { holder { certificates(useFor: OTHER) { holder {
			certificates(useFor: OTHER) { holder { certificates(useFor: OTHER) { holder { certificates(useFor: OTHER) { holder { certificates(useFor: OTHER) {
			holder { code } } } } } } } } } } } } }`, nil, ""},
		{"over the complexity limit is refused unread", `{ certificates(holderCode: "` + person.Code + `", useFor: OTHER) { holder {
			a: certificates(useFor: OTHER) { surfaces { name } holder { b: certificates(useFor: OTHER) { surfaces { name } holder { c: certificates(useFor: OTHER) { surfaces { name } } } } } } } } }`, nil, ""},
		{"file link is gqlgen's", `query($id: ID!) { certificate(id: $id, useFor: OTHER) { id fileLink { url } } }`, map[string]any{"id": certs[0].ID}, ""},
		{"encrypted id is gqlgen's", `query($id: ID!) { certificate(id: $id, useFor: OTHER) { encryptedId { encryptedId } } }`, map[string]any{"id": certs[0].ID}, ""},
		{"catalogue is gqlgen's", `{ certificate(id: "` + certs[0].ID + `", useFor: OTHER) { type { surfaceTemplate { name } } } }`, nil, ""},
		{"other roots are gqlgen's", `{ me { id } certificate(id: "` + certs[0].ID + `", useFor: OTHER) { id } }`, nil, ""},
		{"defer is gqlgen's", `{ certificate(id: "` + certs[0].ID + `", useFor: OTHER) { id ... @defer { name } } }`, nil, ""},
	}
	tokens := []struct{ name, token string }{{"consumer", consumer}, {"analyst", analyst}, {"admin", admin}, {"nobody", ""}}
	for _, c := range cases {
		for _, tok := range tokens {
			t.Run(c.name+"/"+tok.name, func(t *testing.T) {
				e.t = t
				before := e.auditCount()
				plain := e.post(e.gqlgenURL, tok.token, c.query, c.vars)
				plainRecs := e.newRecords(before)

				answered, handed := e.directCount("answered"), e.directCount("handed_back")
				before = e.auditCount()
				got := e.post(e.url, tok.token, c.query, c.vars)
				gotRecs := e.newRecords(before)
				did := ""
				switch {
				case e.directCount("answered") > answered:
					did = "answered"
				case e.directCount("handed_back") > handed:
					did = "handed_back"
				}
				// Root fields (and gqlgen's list elements) run concurrently:
				// errors come in the order they happen. The data must be the
				// same bytes but for fresh values (normalized).
				same := normalized(t, got) == normalized(t, plain)
				if !same {
					t.Fatalf("direct path (%q) answered\n%s\ngqlgen answered\n%s", did, got, plain)
				}
				if !slices.Equal(gotRecs, plainRecs) {
					t.Fatalf("direct path recorded\n%s\ngqlgen recorded\n%s", strings.Join(gotRecs, "\n"), strings.Join(plainRecs, "\n"))
				}
				if tok.name == "consumer" && did != c.direct {
					t.Fatalf("the direct path did %q, want %q: %s", did, c.direct, got)
				}
				if tok.name == "analyst" && strings.Contains(c.query, "surfaces") && did == "answered" {
					t.Fatalf("the direct path answered an analyst's surfaces: %s", got)
				}
				t.Logf("%s: %s", did, got)
			})
		}
	}
}

func mustCertID(t *testing.T, typ, serial string) string {
	t.Helper()
	id, err := ident.NewCertID(typ, deptCode, serial, "001")
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// normalized is an answer with its errors sorted, its data as it was
// written, and its fresh values blanked: an encrypted id is new every time,
// and an SM2 signature is randomized. Two servers sharing the node cache
// share a certificate's signature only once ristretto has taken it in,
// which it does asynchronously (and may decline), so either may sign anew.
func normalized(t *testing.T, answer []byte) string {
	t.Helper()
	status, body, _ := bytes.Cut(answer, []byte(" {"))
	var v struct {
		Errors     []json.RawMessage `json:"errors"`
		Data       json.RawMessage   `json:"data"`
		Extensions json.RawMessage   `json:"extensions"`
	}
	if err := json.Unmarshal(append([]byte("{"), body...), &v); err != nil {
		t.Fatalf("%v: %s", err, answer)
	}
	slices.SortFunc(v.Errors, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	out, _ := json.Marshal(v)
	return string(status) + " " + string(freshValue.ReplaceAll(out, []byte(`"$1":"…"`)))
}

var freshValue = regexp.MustCompile(`"(encryptedId|digitalSign)":"[^"]*"`)

// directSchema is what randomSelection may ask of each type the direct
// path answers: scalar fields, and object fields with their type.
var directSchema = map[string]struct {
	scalars []string
	objects map[string]string
}{
	"Certificate": {[]string{"id", "name", "number", "issueDate", "validFrom", "validUntil", "status", "revokedAt", "revokeReason",
		"digitalSign", "region", "source", "signingKeyId", "__typename"},
		map[string]string{"type": "CertificateType", "issueDept": "Department", "holder": "Holder", "surfaces": "Surface"}},
	"Holder": {[]string{"code", "name", "kind", "province", "__typename"},
		map[string]string{"type": "HolderType", "certificates(useFor: VERIFICATION)": "Certificate",
			`certificates(useFor: OTHER, type: "11100000000013338W011")`: "Certificate"}},
	"Surface":         {[]string{"name", "value", "valueType", "columnName", "__typename"}, nil},
	"CertificateType": {[]string{"code", "name", "holderKind", "local", "__typename"}, nil},
	"Department":      {[]string{"code", "name", "province", "__typename"}, nil},
	"HolderType":      {[]string{"code", "name", "kind", "__typename"}, nil},
}

// randomSelection writes a selection set of typ: fields, aliases, inline
// fragments and literal @include/@skip, nested up to depth.
func randomSelection(r *rand.Rand, b *strings.Builder, typ string, depth int, alias *int) {
	s := directSchema[typ]
	b.WriteString("{ ")
	for n := 1 + r.IntN(5); n > 0; n-- {
		if r.IntN(8) == 0 {
			fmt.Fprintf(b, "... on %s ", typ)
			randomSelection(r, b, typ, depth, alias)
			continue
		}
		if (typ == "Certificate" || typ == "Holder") && r.IntN(10) == 0 {
			b.WriteString("... on _Entity { __typename } ")
			continue
		}
		objs := make([]string, 0, len(s.objects))
		for f := range s.objects {
			objs = append(objs, f)
		}
		slices.Sort(objs)
		object := depth > 0 && len(objs) > 0 && r.IntN(3) == 0
		f := s.scalars[r.IntN(len(s.scalars))]
		if object {
			f = objs[r.IntN(len(objs))]
		}
		// A field with arguments always has an alias of its own: the same
		// name with other arguments would not validate.
		if strings.Contains(f, "(") || r.IntN(4) == 0 {
			*alias++
			fmt.Fprintf(b, "a%d: ", *alias)
		}
		if object {
			b.WriteString(f)
			b.WriteString(randomDirective(r))
			randomSelection(r, b, s.objects[f], depth-1, alias)
			continue
		}
		b.WriteString(f)
		b.WriteString(randomDirective(r))
		b.WriteString(" ")
	}
	b.WriteString("} ")
}

func randomDirective(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0:
		return " @include(if: false)"
	case 1:
		return " @skip(if: false)"
	case 2:
		return " @skip(if: true)"
	}
	return ""
}

// TestDirectReadsRandomSelections: 300 random selections of what the direct
// path answers, at random depths, through both servers, as a consumer and
// as an analyst: the direct path answers every one within the limits (but
// an analyst's surfaces), with gqlgen's bytes.
func TestDirectReadsRandomSelections(t *testing.T) {
	// An analyst's lookups by holder code are limited per hour; this test
	// makes hundreds.
	e := newDirectEnv(t, map[string]string{"CERTGRAPH_RATE_MASKED_LOOKUPS": "off"})
	person, certs := e.standardFixture(3, 3)
	org := e.addHolder(creditCode("91510100MA6C8XY5X"), "001", "随机测试公司")
	certs = append(certs, e.addCert(org, certSpec{TypeCode: "11100000000013338W011", Serial: "90002", Surfaces: 2, Revoked: true,
		ValidUntil: datePtr(models.DateOf(time.Now()).AddDays(30))}))
	consumer := e.consumer()
	_, analyst := e.withRoles("ANALYST")
	r := rand.New(rand.NewPCG(8, 2942))
	for i := 0; i < 300; i++ {
		var b strings.Builder
		alias := 0
		switch r.IntN(3) {
		case 0:
			fmt.Fprintf(&b, `{ certificate(id: %q, useFor: SHOW) `, certs[r.IntN(len(certs))].ID)
			randomSelection(r, &b, "Certificate", 1+r.IntN(3), &alias)
		case 1:
			fmt.Fprintf(&b, `{ holder(code: %q) `, []string{person.Code, org.Code}[r.IntN(2)])
			randomSelection(r, &b, "Holder", 1+r.IntN(3), &alias)
		default:
			fmt.Fprintf(&b, `{ certificates(holderCode: %q, useFor: OTHER) `, person.Code)
			randomSelection(r, &b, "Certificate", 1+r.IntN(3), &alias)
		}
		b.WriteString("}")
		q := b.String()
		// Every other one as an analyst: masked codes and names, and
		// surfaces refused below the root (handed back to gqlgen).
		token, masked := consumer, i%2 == 1
		if masked {
			token = analyst
		}
		answered := e.directCount("answered")
		plain := e.post(e.gqlgenURL, token, q, nil)
		got := e.post(e.url, token, q, nil)
		did := e.directCount("answered") == answered+1
		refused := bytes.Contains(plain, []byte(`_LIMIT_EXCEEDED"`)) // too complex: refused before any resolver
		if !did && !refused && !(masked && strings.Contains(q, "surfaces")) {
			t.Fatalf("the direct path did not answer\n%s\n%s", q, got)
		}
		if normalized(t, got) != normalized(t, plain) {
			t.Fatalf("%s\ndirect path answered\n%s\ngqlgen answered\n%s", q, got, plain)
		}
	}
}

// BenchmarkCertificateRead is the bench's cache-hot read over HTTP (a
// certificate with type, holder, department and 4 surfaces, audited),
// through the direct read path and through gqlgen's executor, side by side:
// go test -run '^$' -bench CertificateRead -benchmem .
func BenchmarkCertificateRead(b *testing.B) {
	e := newTestEnv(b, map[string]string{"CERTGRAPH_RATE_ACCOUNT": "off", "CERTGRAPH_RATE_ADDRESS": "off"})
	_, certs := e.standardFixture(1, 4)
	tok := e.consumer()
	gqlgenURL := withoutDirectReads(b, e.app)
	const q = `query($id: ID!) { certificate(id: $id, useFor: SHARED_APPLICATION) { id name number issueDate validFrom validUntil status type { code name } holder { code name } issueDept { code name } surfaces { name value valueType columnName } } }`
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": certs[0].ID}})
	for _, s := range []struct{ name, url string }{{"direct", e.url}, {"gqlgen", gqlgenURL}} {
		b.Run(s.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			benchPosts(b, client, s.url+"/graphql", tok, body, func(status int, out []byte) bool {
				return status == http.StatusOK && bytes.HasPrefix(out, []byte(`{"data":{"certificate":{"id"`))
			})
		})
	}
}

// BenchmarkLegacyInfoByID is the bench's legacy line in one process: 6.4.2
// and the same selection as GraphQL, over HTTP, side by side, so a profile
// of each shows what the legacy adapter adds (issue 8: legacy ≥ 0.9× of
// GraphQL): go test -run '^$' -bench LegacyInfoByID -benchmem .
func BenchmarkLegacyInfoByID(b *testing.B) {
	e := newTestEnv(b, map[string]string{"CERTGRAPH_RATE_ACCOUNT": "off", "CERTGRAPH_RATE_ADDRESS": "off"})
	_, certs := e.standardFixture(1, 4)
	id, tok, _ := e.register("bench")
	e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}).must(b)
	const q = `query LegacyInfoByID($id: ID!, $useFor: UseFor!) { certificate(id: $id, useFor: $useFor) { ...CertificateInfo } }
fragment CertificateInfo on Certificate { type { name } name holder { name code type { code } } issueDept { name code } number issueDate validFrom validUntil digitalSign surfaces { name value valueType columnName } }`
	gqlBody, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": certs[0].ID, "useFor": "SHARED_APPLICATION"}})
	legacyBody, _ := json.Marshal(map[string]any{"head": map[string]string{"accountId": id, "accessToken": tok},
		"data": map[string]string{"certificateID": certs[0].ID, "useFor": "01"}})
	for _, s := range []struct {
		name, path string
		body       []byte
		bearer     string // the legacy request carries its credentials in its body
		want       string
	}{{"graphql", "/graphql", gqlBody, tok, `{"data":{"certificate":{"type"`}, {"legacy", "/api/cert/info/by-id", legacyBody, "", `{"head":{"message"`}} {
		b.Run(s.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			benchPosts(b, client, e.url+s.path, s.bearer, s.body, func(status int, out []byte) bool {
				return status == http.StatusOK && bytes.HasPrefix(out, []byte(s.want)) && !bytes.Contains(out, []byte(`"errors"`))
			})
		})
	}
}
