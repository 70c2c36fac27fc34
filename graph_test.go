package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"certgraph/internal/gmcrypto"
	"certgraph/models"
)

const holderQuery = `query($code: String!) {
  holder(code: $code) {
    code name kind type { code name }
    certificates(useFor: SHARED_APPLICATION) {
      id name number status issueDate validFrom validUntil
      type { code name holderKind }
      issueDept { code name province }
      holder { code name }
      surfaces { name value valueType columnName }
    }
  }
}`

func TestHolderGraphWithoutNPlusOne(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.consumer()
	e.standardFixture(20, 10)

	e.gql(tok, `{ me { id } }`, nil).must(t) // authenticate once so the count below is the query's own
	// Once to load the in-memory catalogues (the fixture's writes dropped them).
	e.gql(tok, holderQuery, map[string]any{"code": personCode}).must(t)
	e.statements.Store(0)
	r := e.gql(tok, holderQuery, map[string]any{"code": personCode}).must(t)
	n := e.statements.Load()
	certs := r.list("holder.certificates")
	if len(certs) != 20 {
		t.Fatalf("got %d certificates, want 20", len(certs))
	}
	for _, c := range certs {
		if s := c.(map[string]any)["surfaces"].([]any); len(s) != 10 {
			t.Fatalf("certificate has %d surfaces, want 10", len(s))
		}
	}
	// holder with certificates (one join) + surfaces + one audit INSERT for
	// the holder lookup and the certificate reads together (the operation's
	// records are written at once, see resolvers.AuditFlush): 3, whatever N
	// and M are; N+1 would be hundreds.
	if n > 3 {
		t.Fatalf("holder with 20 certificates × 10 surfaces took %d SQL statements, want ≤ 3 (N+1, or an audit write per resolver?)", n)
	}
	t.Logf("holder with 20×10 resolved in %d statements", n)
	if got := r.str("holder.name"); got != "张𠈌" {
		t.Fatalf("holder name = %q, want 张𠈌 (utf8mb4 round trip)", got)
	}
	if got := r.str("holder.certificates.0.surfaces.9.valueType"); got != "PICTURE" {
		t.Fatalf("last surface valueType = %q, want PICTURE", got)
	}
}

// TestColdHolderGraphWithoutNPlusOne: the holder query's 3 statements hold
// when the holder is not in the node cache yet: the certificates' holder is
// the one the query read, not read again.
func TestColdHolderGraphWithoutNPlusOne(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.consumer()
	e.standardFixture(5, 2)
	// Authenticate and load the catalogues without reading the holder.
	e.gql(tok, `{ me { id } certificateTypes { code name holderKind } }`, nil).must(t)
	e.statements.Store(0)
	r := e.gql(tok, holderQuery, map[string]any{"code": personCode}).must(t)
	if n := e.statements.Load(); n > 3 {
		t.Fatalf("a holder not cached yet took %d SQL statements, want ≤ 3", n)
	}
	if got := r.str("holder.certificates.4.holder.code"); got != personCode {
		t.Fatalf("certificate's holder = %q, want %s", got, personCode)
	}
}

// TestSearchPageWithoutNPlusOne: a page of certificates of several holders,
// with each one's holder and surfaces, costs a fixed number of statements,
// and every certificate gets its own holder and surfaces (the page fills
// them in itself: Certificate fields resolve one after another).
func TestSearchPageWithoutNPlusOne(t *testing.T) {
	e := newTestEnv(t, nil)
	e.standardFixture(12, 3) // 12 of the person's with 3 surfaces, 1 of the organisation's with 3
	_, admin := e.withRoles("ADMIN")
	q := `{ searchCertificates(useFor: OTHER, first: 50) { edges { node { id holder { code } surfaces { name } } } } }`
	e.gql(admin, q, nil).must(t) // loads the catalogues
	e.statements.Store(0)
	r := e.gql(admin, q, nil).must(t)
	n := e.statements.Load()
	edges := r.list("searchCertificates.edges")
	if len(edges) != 13 {
		t.Fatalf("got %d certificates, want 13: %s", len(edges), r.Raw)
	}
	holders := map[string]int{}
	for _, ed := range edges {
		node := ed.(map[string]any)["node"].(map[string]any)
		holders[node["holder"].(map[string]any)["code"].(string)]++
		if s := node["surfaces"].([]any); len(s) != 3 {
			t.Fatalf("certificate %s has %d surfaces, want 3", node["id"], len(s))
		}
	}
	if holders[personCode] != 12 || holders[orgCode] != 1 {
		t.Fatalf("certificates by holder %v, want 12 of %s and 1 of %s", holders, personCode, orgCode)
	}
	t.Logf("a page of 13 with holders and surfaces in %d statements", n)
	// page + surfaces + holders (unless cached) + one audit INSERT.
	if n > 4 {
		t.Fatalf("a page of 13 certificates with holders and surfaces took %d SQL statements, want ≤ 4", n)
	}
}

// TestHolderFilesWithoutNPlusOne: a holder's certificates with their layout
// files' metadata and download links cost one statement for all the files,
// and each certificate gets its own file (or none).
func TestHolderFilesWithoutNPlusOne(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(12, 1)
	ctx := context.Background()
	for _, c := range certs[:3] {
		f := &models.CertificateFile{CertificateID: c.ID, Format: models.FormatPDF, Size: 4, SM3: "sm3-" + c.ID[len(c.ID)-8:],
			SHA256: gmcrypto.SHA256Hex([]byte(c.ID)), Content: []byte("%PDF"), UploadedAt: time.Now().UTC()}
		if err := e.app.store.PutFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	tok := e.consumer()
	q := `query($code: String!) { holder(code: $code) { certificates(useFor: SHOW) { id file { sha256 } fileLink { url } } } }`
	vars := map[string]any{"code": personCode}
	e.gql(tok, q, vars).must(t) // loads the catalogues
	e.statements.Store(0)
	r := e.gql(tok, q, vars).must(t)
	n := e.statements.Load()
	withFile := 0
	for _, x := range r.list("holder.certificates") {
		c := x.(map[string]any)
		f, _ := c["file"].(map[string]any)
		if f == nil {
			if c["fileLink"] != nil {
				t.Fatalf("certificate %s has a link but no file: %v", c["id"], c)
			}
			continue
		}
		withFile++
		if f["sha256"] != gmcrypto.SHA256Hex([]byte(c["id"].(string))) || c["fileLink"] == nil {
			t.Fatalf("certificate %s got another's file or no link: %v", c["id"], c)
		}
	}
	if withFile != 3 {
		t.Fatalf("%d certificates with a file, want 3: %s", withFile, r.Raw)
	}
	t.Logf("12 certificates with files and links in %d statements", n)
	// holder with certificates + the files + one audit INSERT.
	if n > 3 {
		t.Fatalf("12 certificates with their files took %d SQL statements, want ≤ 3 (a statement per certificate?)", n)
	}
}

func TestAuthentication(t *testing.T) {
	e := newTestEnv(t, nil)
	e.standardFixture(1, 1)
	q := `query($c: String!) { certificates(holderCode: $c, useFor: SHOW) { id } }`
	vars := map[string]any{"c": personCode}

	if r := e.gql("", q, vars); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("no token: code %q, want UNAUTHENTICATED: %s", r.code(), r.Raw)
	}
	if r := e.gql("nonsense", q, vars); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("wrong token: code %q: %s", r.code(), r.Raw)
	}
	id, tok, status := e.register("pending system")
	if status != "PENDING" {
		t.Fatalf("registration from a network not auto-approved is %s, want PENDING", status)
	}
	if r := e.gql(tok, q, vars); r.code() != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, "pending") {
		t.Fatalf("pending account: %s", r.Raw)
	}
	if r := e.gql(tok, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("pending account approving itself: %s", r.Raw)
	}
	e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}).must(t)
	e.gql(tok, q, vars).must(t) // now cached
	if r := e.gql(tok, q, vars, "X-Account-Id", "Awrong"); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("mismatched X-Account-Id: %s", r.Raw)
	}
	if r := e.gql(tok, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}); r.code() != "FORBIDDEN" {
		t.Fatalf("consumer approving: %s", r.Raw)
	}

	// Rotation: the old token stops at once, the new one works.
	rot := e.gql(tok, `mutation($id: ID!) { rotateToken(id: $id) { accessToken } }`, map[string]any{"id": id}).must(t)
	newTok := rot.str("rotateToken.accessToken")
	if r := e.gql(tok, q, vars); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("old token after rotation still works: %s", r.Raw)
	}
	e.gql(newTok, q, vars).must(t)

	// Revocation: effective immediately, cache included.
	e.gql(testAdminToken, `mutation($id: ID!) { revokeAccount(id: $id) { status } }`, map[string]any{"id": id}).must(t)
	if r := e.gql(newTok, q, vars); r.code() != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, "revoked") {
		t.Fatalf("revoked token still served: %s", r.Raw)
	}
	if r := e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("approving a revoked account: %s", r.Raw)
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_TOKEN_TTL": "1s", "CERTGRAPH_AUTO_APPROVE": "127.0.0.0/8"})
	_, tok, status := e.register("short lived")
	if status != "APPROVED" {
		t.Fatalf("loopback registration with auto-approve: %s", status)
	}
	e.gql(tok, `{ me { id } }`, nil).must(t)
	time.Sleep(1100 * time.Millisecond)
	if r := e.gql(tok, `{ me { id } }`, nil); r.code() != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, "expired") {
		t.Fatalf("expired token: %s", r.Raw)
	}
}

func TestBadInputIsSpecific(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.consumer()
	e.standardFixture(1, 1)
	bad := personCode[:17] + "0"
	if bad == personCode {
		bad = personCode[:17] + "1"
	}
	cases := []struct {
		name, query string
		vars        map[string]any
		field, want string
	}{
		{"check character", `query($c: String!) { certificates(holderCode: $c, useFor: SHOW) { id } }`, map[string]any{"c": bad}, "holderCode", "check"},
		{"length", `query($c: String!) { certificates(holderCode: $c, useFor: SHOW) { id } }`, map[string]any{"c": "5101041990"}, "holderCode", "length"},
		{"credit code character", `query($c: String!) { holder(code: $c, type: "001") { name } }`, map[string]any{"c": "91510100MA6C8XYZIO"}, "code", "character"},
		{"unknown holder type", `query($c: String!) { holder(code: $c, type: "777") { name } }`, map[string]any{"c": personCode}, "type", "holder code type"},
		{"unknown certificate type", `query($c: String!) { certificates(holderCode: $c, type: "飞行执照", useFor: SHOW) { id } }`, map[string]any{"c": personCode}, "type", "catalogue"},
		{"malformed certificate id", `{ certificate(id: "1.2.156.3005.2.X", useFor: SHOW) { id } }`, nil, "id", ""},
		{"bad cursor", `{ searchCertificates(useFor: OTHER, after: "zzz") { totalCount } }`, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.auditCount()
			r := e.gql(tok, c.query, c.vars)
			if c.name == "bad cursor" {
				if r.code() != "FORBIDDEN" {
					t.Fatalf("consumer listing: %s", r.Raw)
				}
				return
			}
			if r.code() != "BAD_USER_INPUT" {
				t.Fatalf("code %q, want BAD_USER_INPUT: %s", r.code(), r.Raw)
			}
			if f, _ := r.Errors[0].Extensions["field"].(string); f != c.field {
				t.Fatalf("field %q, want %q: %s", f, c.field, r.Raw)
			}
			if !strings.Contains(r.Errors[0].Message, c.want) {
				t.Fatalf("message %q does not say %q", r.Errors[0].Message, c.want)
			}
			if after := e.auditCount(); after != before {
				t.Fatalf("a rejected request changed the audit (%d → %d)", before, after)
			}
		})
	}
	// Registration input: the field and the reason, and no account is made.
	var accounts int64
	e.app.store.Gorm().Model(&models.Account{}).Count(&accounts)
	r := e.gql("", `mutation { registerSystem(input: {systemName: "x", systemIp: "not-an-ip", deptCode: "d", deptName: "n"}) { accountId } }`, nil)
	if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "systemIp" {
		t.Fatalf("bad systemIp: %s", r.Raw)
	}
	r = e.gql("", `mutation { registerSystem(input: {systemName: " ", systemIp: "10.0.0.1", deptCode: "d", deptName: "n"}) { accountId } }`, nil)
	if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "systemName" {
		t.Fatalf("blank systemName: %s", r.Raw)
	}
	var after int64
	e.app.store.Gorm().Model(&models.Account{}).Count(&after)
	if after != accounts {
		t.Fatalf("rejected registrations created accounts (%d → %d)", accounts, after)
	}
	// Enum values outside the schema are rejected by validation.
	if r := e.gql(tok, `{ certificate(id: "x", useFor: BROWSING) { id } }`, nil); len(r.Errors) == 0 {
		t.Fatalf("unknown useFor accepted: %s", r.Raw)
	}
}

func (e *testEnv) auditCount() int64 {
	var n int64
	e.app.store.Gorm().Model(&models.AccessRecord{}).Count(&n)
	return n
}

func TestAnalystSeesMaskedDataAndNoSurfaces(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(3, 4)
	_, analyst := e.withRoles("ANALYST")
	r := e.gql(analyst, `{ searchCertificates(useFor: OTHER, first: 2) { totalCount edges { cursor node { id number holder { code name } } } pageInfo { hasNextPage endCursor } } }`, nil).must(t)
	if got := r.get("searchCertificates.totalCount"); got != float64(4) {
		t.Fatalf("totalCount = %v, want 4", got)
	}
	all := e.gql(analyst, `{ searchCertificates(useFor: OTHER, first: 10) { edges { node { holder { code name kind } } } } }`, nil).must(t)
	for _, ed := range all.list("searchCertificates.edges") {
		h := ed.(map[string]any)["node"].(map[string]any)["holder"].(map[string]any)
		code, name := h["code"].(string), h["name"].(string)
		switch h["kind"] {
		case "PERSON":
			if code == personCode || !strings.Contains(code, "*") || strings.Contains(name, "𠈌") {
				t.Fatalf("analyst sees a person's code %q / name %q unmasked", code, name)
			}
		case "ORGANISATION":
			if code != orgCode {
				t.Fatalf("an organisation's credit code is public, got %q", code)
			}
		}
	}
	// The next page continues where the first ended, without overlap.
	after := r.str("searchCertificates.pageInfo.endCursor")
	r2 := e.gql(analyst, `query($a: String) { searchCertificates(useFor: OTHER, first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage } } }`, map[string]any{"a": after}).must(t)
	if len(r2.list("searchCertificates.edges")) != 2 || r2.get("searchCertificates.pageInfo.hasNextPage") != false {
		t.Fatalf("second page: %s", r2.Raw)
	}
	seen := map[string]bool{r.str("searchCertificates.edges.0.node.id"): true, r.str("searchCertificates.edges.1.node.id"): true}
	for _, ed := range r2.list("searchCertificates.edges") {
		id := ed.(map[string]any)["node"].(map[string]any)["id"].(string)
		if seen[id] {
			t.Fatalf("certificate %s on two pages", id)
		}
	}
	// Surfaces are refused to analysts.
	rs := e.gql(analyst, `query($id: ID!) { certificate(id: $id, useFor: OTHER) { id surfaces { value } } }`, map[string]any{"id": certs[0].ID})
	if rs.code() != "FORBIDDEN" {
		t.Fatalf("analyst reading surfaces: %s", rs.Raw)
	}
	// Consumers may not list.
	if r := e.gql(e.consumer(), `{ statistics { total } }`, nil); r.code() != "FORBIDDEN" {
		t.Fatalf("consumer statistics: %s", r.Raw)
	}
}

func TestFiltersAndStatistics(t *testing.T) {
	e := newTestEnv(t, nil)
	e.addDept(deptCode, "四川省公安厅")
	e.addDept(beijingDeptCode, "北京市公安局")
	h := e.addHolder(personCode, "111", "李四")
	today := models.DateOf(time.Now().In(time.FixedZone("CST", 8*3600)))
	e.addCert(h, certSpec{Serial: "1", ValidUntil: datePtr(today.AddDays(10))})                                                   // valid, expiring soon
	e.addCert(h, certSpec{Serial: "2", ValidUntil: datePtr(today.AddDays(-1))})                                                   // expired
	e.addCert(h, certSpec{Serial: "3"})                                                                                           // long-term
	e.addCert(h, certSpec{Serial: "4", Revoked: true})                                                                            // revoked
	e.addCert(h, certSpec{Serial: "5", TypeCode: "11100000000013338W032", Dept: beijingDeptCode, IssueDate: today.AddDays(-400)}) // another region
	_, analyst := e.withRoles("ANALYST")
	count := func(filter string) float64 {
		r := e.gql(analyst, `query($f: CertificateFilter) { searchCertificates(filter: $f, useFor: OTHER) { totalCount } }`, map[string]any{"f": jsonObj(filter)}).must(t)
		return r.get("searchCertificates.totalCount").(float64)
	}
	for filter, want := range map[string]float64{
		`{}`:                               5,
		`{"status":"EXPIRED"}`:             1,
		`{"status":"REVOKED"}`:             1,
		`{"status":"VALID"}`:               3,
		`{"expiringWithinDays":30}`:        1,
		`{"region":"11"}`:                  1,
		`{"type":"机动车驾驶证"}`:                1,
		`{"issueDept":"` + deptCode + `"}`: 4,
		`{"issuedFrom":"` + today.AddDays(-200).String() + `"}`: 4,
	} {
		if got := count(filter); got != want {
			t.Errorf("filter %s: %v certificates, want %v", filter, got, want)
		}
	}
	r := e.gql(analyst, `{ statistics { total byStatus { key label count } byRegion { key label count } byType { key label count } byDepartment { key count } } }`, nil).must(t)
	if r.get("statistics.total") != float64(5) {
		t.Fatalf("statistics: %s", r.Raw)
	}
	if !bytes.Contains(r.Raw, []byte(`{"key":"51","label":"四川省","count":4}`)) || !bytes.Contains(r.Raw, []byte(`{"key":"EXPIRED","label":"已过期","count":1}`)) {
		t.Fatalf("statistics by region/status: %s", r.Raw)
	}
	if r := e.gql(analyst, `{ searchCertificates(filter: {region: "5"}, useFor: OTHER) { totalCount } }`, nil); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("bad region: %s", r.Raw)
	}
}

// TestNoAnswerWhenTheAuditCannotBeWritten: a GraphQL operation's records are
// written once after its resolvers (resolvers.AuditFlush); when that write
// fails, nothing the resolvers read leaves — the answer is one UNAVAILABLE
// error and no data, however many fields succeeded.
func TestNoAnswerWhenTheAuditCannotBeWritten(t *testing.T) {
	e := newTestEnv(t, nil)
	e.standardFixture(2, 1)
	tok := e.consumer()
	e.gql(tok, holderQuery, map[string]any{"code": personCode}).must(t)
	e.app.audit.Close() // every later Append fails
	r := e.gql(tok, holderQuery, map[string]any{"code": personCode})
	if r.code() != "UNAVAILABLE" || len(r.Errors) != 1 || r.Data != nil || bytes.Contains(r.Raw, []byte(personCode)) {
		t.Fatalf("read answered although its audit failed: %s", r.Raw)
	}
}

func TestAuditRecordsEveryRead(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(2, 1)
	id, tok := e.withRoles("CONSUMER")
	e.gql(tok, `query($id: ID!) { certificate(id: $id, useFor: VERIFICATION) { id } }`, map[string]any{"id": certs[1].ID}).must(t)
	e.gql(tok, `query($c: String!) { certificates(holderCode: $c, useFor: SHARED_APPLICATION) { id } }`, map[string]any{"c": personCode}).must(t)
	r := e.gql(testAdminToken, `query($a: String) { accessRecords(filter: {accountId: $a}) { edges { node { accountId operation subject useFor channel outcome at } } } }`, map[string]any{"a": id}).must(t)
	recs := r.list("accessRecords.edges")
	if len(recs) != 3 {
		t.Fatalf("%d audit records, want 3 (1 + 2): %s", len(recs), r.Raw)
	}
	last := recs[2].(map[string]any)["node"].(map[string]any)
	if last["subject"] != certs[1].ID || last["useFor"] != "VERIFICATION" || last["channel"] != "GRAPHQL" || last["outcome"] != "OK" {
		t.Fatalf("audit record: %v", last)
	}
	if r := e.gql(tok, `{ accessRecords { edges { node { id } } } }`, nil); r.code() != "FORBIDDEN" {
		t.Fatalf("consumer reading the audit: %s", r.Raw)
	}
}

func TestNonLocalCertificateGoesToNational(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.consumer()
	// A real identifier issued in 吉林 (22): not this node's.
	r := e.gql(tok, `{ certificate(id: "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F", useFor: SHOW) { id } }`, nil)
	if r.code() != "UNAVAILABLE" || !strings.Contains(r.Errors[0].Message, "national platform") {
		t.Fatalf("non-local certificate: %s", r.Raw)
	}
}

func TestLimits(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_MAX_DEPTH": "4", "CERTGRAPH_MAX_COMPLEXITY": "50", "CERTGRAPH_MAX_BODY_BYTES": "4096"})
	tok := e.consumer()
	deep := `{ holder(code: "` + personCode + `") { certificates(useFor: SHOW) { holder { certificates(useFor: SHOW) { id } } } } }`
	if r := e.gql(tok, deep, nil); r.code() != "DEPTH_LIMIT_EXCEEDED" {
		t.Fatalf("deep query: %s", r.Raw)
	}
	wide := `{ a: holderTypes { code } b: holderTypes { code } c: holderTypes { code } d: holderTypes { code } e: holderTypes { code } f: holderTypes { code } g: holderTypes { code } h: holderTypes { code } i: holderTypes { code } j: holderTypes { code } k: holderTypes { code } l: holderTypes { code } m: holderTypes { code } n: holderTypes { code } o: holderTypes { code } p: holderTypes { code } q: holderTypes { code } r: holderTypes { code } s: holderTypes { code } t: holderTypes { code } u: holderTypes { code } v: holderTypes { code } w: holderTypes { code } x: holderTypes { code } y: holderTypes { code } z: holderTypes { code } }`
	if r := e.gql(tok, wide, nil); r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("complex query: %s", r.Raw)
	}
	big := `{ me { id } }` + strings.Repeat(" ", 5000)
	if r := e.gql(tok, big, nil); r.Status != http.StatusRequestEntityTooLarge || r.code() != "BODY_TOO_LARGE" {
		t.Fatalf("large body: HTTP %d %s", r.Status, r.Raw)
	}
}

func TestFederationSubgraph(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(2, 1)
	tok := e.consumer()
	r := e.gql("", `{ _service { sdl } }`, nil).must(t)
	sdl := r.str("_service.sdl")
	for _, want := range []string{`@key(fields: "code")`, `@key(fields: "id")`, "specs.apollo.dev/federation/v2"} {
		if !strings.Contains(sdl, want) {
			t.Fatalf("_service.sdl lacks %s", want)
		}
	}
	q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Holder { name } ... on Certificate { id number } } }`
	reps := []any{
		map[string]any{"__typename": "Holder", "code": personCode},
		map[string]any{"__typename": "Certificate", "id": certs[0].ID},
		map[string]any{"__typename": "Certificate", "id": certs[1].ID},
	}
	if r := e.gql(tok, q, map[string]any{"r": reps}); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("entities without X-Use-For: %s", r.Raw)
	}
	e.statements.Store(0)
	r = e.gql(tok, q, map[string]any{"r": reps}, "X-Use-For", "01").must(t)
	if r.str("_entities.0.name") != "张𠈌" || r.str("_entities.2.id") != certs[1].ID {
		t.Fatalf("entities: %s", r.Raw)
	}
	if n := e.statements.Load(); n > 5 {
		t.Fatalf("entity batch took %d statements, want batched (≤ 5)", n)
	}
}

func jsonObj(s string) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}
