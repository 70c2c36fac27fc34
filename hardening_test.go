package main

// Tests of issue 11 ("hardening"): each reproduces an attack or a fault
// and checks the answer; they run on SQLite and on MariaDB.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"certgraph/internal/ident"
	"certgraph/internal/store"
	"certgraph/models"
)

// auditRecords are the access records the server wrote for subject.
func (e *testEnv) auditRecords(subject string) []models.AccessRecord {
	e.t.Helper()
	recs, err := e.app.store.AccessRecords(context.Background(), store.AccessRecordFilter{Subject: subject}, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// get fetches a URL of the server and returns the status, headers and body.
func (e *testEnv) get(path string, host ...string) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	if len(host) > 0 {
		req.Host = host[0]
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func legacyInfoByID(accountID, token, certID string) map[string]any {
	return map[string]any{"head": map[string]any{"accountId": accountID, "accessToken": token},
		"data": map[string]any{"certificateID": certID, "useFor": "01"}}
}

// Item 5: one account's requests are limited: GraphQL answers RATE_LIMITED
// with HTTP 429 and Retry-After, the legacy endpoints their failure status
// with a Chinese reason.
func TestAccountRateLimit(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_RATE_ACCOUNT": "4/1h"})
	_, certs := e.standardFixture(1, 1)
	id, tok := e.withRoles("CONSUMER")
	for i := 0; i < 4; i++ {
		e.gql(tok, `{ me { id } }`, nil).must(t)
	}
	r := e.gql(tok, `{ me { id } }`, nil)
	if r.code() != "RATE_LIMITED" || r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("5th request of 4/1h: HTTP %d Retry-After %q: %s", r.Status, r.Header.Get("Retry-After"), r.Raw)
	}
	l := e.legacyJSON("/api/cert/info/by-id", legacyInfoByID(id, tok, certs[0].ID))
	if st, msg := l.outcome(); st == "0" || !strings.Contains(msg, "请求过于频繁") {
		t.Fatalf("legacy over the account's limit: %s %s", st, msg)
	}
	// Other accounts are not affected.
	e.gql(testAdminToken, `{ me { id } }`, nil).must(t)
}

// Item 5: one client address is limited on every surface, and registrations
// per address more tightly; health checks never are.
func TestAddressAndRegistrationRateLimits(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_RATE_REGISTRATIONS": "2/1h"})
	e.register("one")
	e.register("two")
	r := e.gql("", `mutation($in: RegisterSystemInput!) { registerSystem(input: $in) { accountId } }`,
		map[string]any{"in": map[string]any{"systemName": "three", "systemIp": "10.1.2.3", "deptCode": deptCode, "deptName": "测试部门"}})
	if r.code() != "RATE_LIMITED" {
		t.Fatalf("3rd registration of 2/1h: %s", r.Raw)
	}
	var n int64
	e.app.store.Gorm().Model(&models.Account{}).Count(&n)
	if n != 3 { // the bootstrap admin and two registrations
		t.Fatalf("%d accounts stored, want 3", n)
	}

	e = newTestEnv(t, map[string]string{"CERTGRAPH_RATE_ADDRESS": "3/1h"})
	for i := 0; i < 3; i++ {
		e.gql(testAdminToken, `{ me { id } }`, nil).must(t)
	}
	r = e.gql(testAdminToken, `{ me { id } }`, nil)
	if r.code() != "RATE_LIMITED" || r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("GraphQL over the address limit: HTTP %d: %s", r.Status, r.Raw)
	}
	if st, h, _ := e.get("/v/abc"); st != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("/v/ over the address limit: HTTP %d", st)
	}
	l := e.legacyJSON("/api/cert/info/by-id", legacyInfoByID("admin", testAdminToken, "x"))
	if st, msg := l.outcome(); l.Status != http.StatusTooManyRequests || st == "0" || !strings.Contains(msg, "请求过于频繁") {
		t.Fatalf("legacy over the address limit: HTTP %d %s %s", l.Status, st, msg)
	}
	if st, _, _ := e.get("/healthz"); st != http.StatusOK {
		t.Fatalf("/healthz limited: HTTP %d", st)
	}
}

// Item 5: hits of /v/ with something that is not a code write no audit
// record (nothing was looked up); a well-formed but forged code is audited.
func TestPublicPageGarbageIsNotAudited(t *testing.T) {
	e := newTestEnv(t, nil)
	before := e.auditCount()
	for i := 0; i < 20; i++ {
		if st, _, _ := e.get(fmt.Sprintf("/v/garbage-%d!!", i)); st != http.StatusOK {
			t.Fatalf("HTTP %d", st)
		}
	}
	if after := e.auditCount(); after != before {
		t.Fatalf("20 garbage hits wrote %d audit records", after-before)
	}
}

// Item 7: every holder lookup is audited, found or not, and an analyst's
// lookups by code are limited, each alias counted.
func TestHolderLookupsAuditedAndLimitedForAnalysts(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_RATE_MASKED_LOOKUPS": "3/1h"})
	e.standardFixture(1, 1)
	tok := e.consumer()
	e.gql(tok, `query($a: String!, $b: String!) { a: holder(code: $a) { kind } b: holder(code: $b) { kind } }`,
		map[string]any{"a": personCode, "b": otherPersonCode}).must(t)
	for code, outcome := range map[string]string{personCode: models.OutcomeOK, otherPersonCode: models.OutcomeNotFound} {
		recs := e.auditRecords(code)
		if len(recs) != 1 || recs[0].Operation != "holder" || recs[0].Outcome != outcome {
			t.Fatalf("holder(%s): audit %+v, want one %s record", code, recs, outcome)
		}
	}
	_, analyst := e.withRoles("ANALYST")
	var q strings.Builder
	q.WriteString("{")
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&q, " h%d: holder(code: %q) { code }", i, citizenID(fmt.Sprintf("5101041990010112%d", i)))
	}
	q.WriteString(" }")
	r := e.gql(analyst, q.String(), nil)
	limited := 0
	for _, err := range r.Errors {
		if err.Extensions["code"] == "RATE_LIMITED" {
			limited++
		}
	}
	if limited != 3 {
		t.Fatalf("6 aliased lookups at 3/1h: %d refused, want 3: %s", limited, r.Raw)
	}
	r = e.gql(analyst, `query($c: String!) { certificates(holderCode: $c, useFor: OTHER) { id } }`, map[string]any{"c": personCode})
	if r.code() != "RATE_LIMITED" {
		t.Fatalf("certificates(holderCode) after the limit: %s", r.Raw)
	}
	// Roles that see codes unmasked are not limited by it.
	for i := 0; i < 5; i++ {
		e.gql(tok, `query($c: String!) { holder(code: $c) { kind } }`, map[string]any{"c": personCode}).must(t)
	}
}

// introspected is the part of the schema the audit walk needs.
type introspected struct {
	Schema struct {
		Types []struct {
			Name   string
			Fields []struct {
				Name string
				Type typeRef
			}
			PossibleTypes []struct{ Name string }
		}
	} `json:"__schema"`
}

type typeRef struct {
	Name   *string
	OfType *typeRef
}

func (t typeRef) named() string {
	for r := &t; r != nil; r = r.OfType {
		if r.Name != nil {
			return *r.Name
		}
	}
	return ""
}

// Item 8: walk the whole schema; every root field (query, mutation,
// _entities) whose answer can carry holder or certificate data must write
// an audit record. A new such field fails this test until it is audited
// and listed here.
func TestEveryPersonalDataPathIsAudited(t *testing.T) {
	e := newTestEnv(t, nil)
	person, certs := e.standardFixture(3, 2)
	_ = person
	r := e.gql(testAdminToken, `{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name } } } } } } possibleTypes { name } } } }`, nil).must(t)
	var s introspected
	if err := jsonUnmarshalInto(r.Raw, &s); err != nil {
		t.Fatal(err)
	}
	// personal: the types whose values carry holder or certificate data,
	// and every type that reaches one of them.
	personal := map[string]bool{"Holder": true, "Certificate": true, "Surface": true}
	for changed := true; changed; {
		changed = false
		for _, ty := range s.Schema.Types {
			if personal[ty.Name] || strings.HasPrefix(ty.Name, "__") {
				continue
			}
			reaches := false
			for _, f := range ty.Fields {
				reaches = reaches || personal[f.Type.named()]
			}
			for _, p := range ty.PossibleTypes {
				reaches = reaches || personal[p.Name]
			}
			if reaches && ty.Name != "Query" && ty.Name != "Mutation" {
				personal[ty.Name], changed = true, true
			}
		}
	}
	_, consumer := e.withRoles("CONSUMER")
	_, analyst := e.withRoles("ANALYST")
	enc := e.gql(consumer, `query($c: String!) { encryptedIds(holderCode: $c) { encryptedId } }`, map[string]any{"c": personCode}).must(t).str("encryptedIds.0.encryptedId")
	type call struct {
		token, query string
		vars         map[string]any
		headers      []string
	}
	calls := map[string][]call{
		"Query.holder":                   {{consumer, `query($c: String!) { holder(code: $c) { name code } }`, map[string]any{"c": personCode}, nil}},
		"Query.certificates":             {{consumer, `query($c: String!) { certificates(holderCode: $c, useFor: OTHER) { holder { name code } } }`, map[string]any{"c": personCode}, nil}},
		"Query.certificate":              {{consumer, `query($id: ID!) { certificate(id: $id, useFor: OTHER) { holder { name code } } }`, map[string]any{"id": certs[0].ID}, nil}},
		"Query.searchCertificates":       {{analyst, `{ searchCertificates(useFor: OTHER, first: 2) { edges { node { holder { name code } } } } }`, nil, nil}},
		"Query.certificateByEncryptedId": {{consumer, `query($e: String!) { certificateByEncryptedId(encryptedId: $e, useFor: OTHER) { holder { name code } } }`, map[string]any{"e": enc}, nil}},
		"Query._entities": {
			{consumer, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Holder { name code } } }`, map[string]any{"r": []any{map[string]any{"__typename": "Holder", "code": personCode}}}, nil},
			{consumer, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Certificate { holder { name code } } } }`, map[string]any{"r": []any{map[string]any{"__typename": "Certificate", "id": certs[1].ID}}}, []string{"X-Use-For", "OTHER"}},
		},
		"Mutation.revokeCertificate": {{testAdminToken, `mutation($id: ID!) { revokeCertificate(id: $id, reason: "测试") { surfaces { value } holder { name code } } }`, map[string]any{"id": certs[2].ID}, nil}},
	}
	for _, root := range []string{"Query", "Mutation"} {
		for _, ty := range s.Schema.Types {
			if ty.Name != root {
				continue
			}
			for _, f := range ty.Fields {
				name := root + "." + f.Name
				if !personal[f.Type.named()] {
					continue
				}
				cs := calls[name]
				if len(cs) == 0 {
					t.Errorf("%s returns %s (holder or certificate data) and has no audit check here", name, f.Type.named())
				}
				for _, c := range cs {
					before := e.auditCount()
					resp := e.gql(c.token, c.query, c.vars, c.headers...).must(t)
					if e.auditCount() <= before {
						t.Errorf("%s wrote no audit record: %s", name, resp.Raw)
					}
				}
			}
		}
	}
}

// Item 6: a request body trickled byte by byte is cut at --read-timeout.
func TestSlowBodyIsCut(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_READ_TIMEOUT": "2s"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(e.app)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes the connection
		close(closed)
	}()
	for {
		select {
		case <-closed:
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("the connection was cut after %v, want about 2s", d)
			}
			return
		case <-time.After(500 * time.Millisecond):
		}
		if time.Since(start) > 8*time.Second {
			t.Fatal("a body sent at 2 bytes/s still holds its connection after 8s (read timeout 2s)")
		}
		conn.Write([]byte(" "))
	}
}

// Item 11: no usage text or flag error shows the bootstrap token or the
// database password, whatever the URL's form.
func TestUsageAndErrorsShowNoSecrets(t *testing.T) {
	const token, password = "bootstrap-SECRET-token", "pw-SECRET-db"
	for _, dbURL := range []string{"mysql://u:" + password + "@tcp(127.0.0.1:1)/x", "u:" + password + "@tcp(127.0.0.1:1)/x"} {
		env := map[string]string{"CERTGRAPH_BOOTSTRAP_ADMIN_TOKEN": token, "CERTGRAPH_DATABASE_URL": dbURL, "CERTGRAPH_DATA_DIR": t.TempDir()}
		for _, args := range [][]string{{"serve", "--no-such-flag"}, {"serve", "-h"}, {"serve", "--help"}, {"migrate", "--max-depth=x"}, {"migrate"}} {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr)
			cancel()
			all := stdout.String() + stderr.String()
			if err != nil {
				all += err.Error()
			}
			if strings.Contains(all, "SECRET") {
				t.Fatalf("%v with %s: a secret is shown:\n%s", args, dbURL, all)
			}
		}
	}
}

// Item 12: without --public-url, only an allowed Host header decides where
// codes and links point; any other is refused.
func TestHostHeaderDoesNotDecideLinks(t *testing.T) {
	q := `query($c: String!) { encryptedIds(holderCode: $c) { verifyUrl } }`
	ask := func(e *testEnv, tok, host string) *gqlResponse {
		body := fmt.Sprintf(`{"query":%q,"variables":{"c":%q}}`, q, personCode)
		req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Host = host
		return e.do(req)
	}
	e := newTestEnv(t, nil)
	e.standardFixture(1, 1)
	tok := e.consumer()
	r := ask(e, tok, "evil.example.com")
	if r.code() != "BAD_USER_INPUT" || strings.Contains(string(r.Raw), "evil.example.com/v/") {
		t.Fatalf("Host evil.example.com: %s", r.Raw)
	}
	if u := ask(e, tok, strings.TrimPrefix(e.url, "http://")).must(t).str("encryptedIds.0.verifyUrl"); !strings.HasPrefix(u, e.url+"/v/") {
		t.Fatalf("loopback host: verifyUrl %s", u)
	}

	e = newTestEnv(t, map[string]string{"CERTGRAPH_ALLOWED_HOSTS": "zz.example.gov.cn"})
	e.standardFixture(1, 1)
	tok = e.consumer()
	if u := ask(e, tok, "zz.example.gov.cn").must(t).str("encryptedIds.0.verifyUrl"); !strings.HasPrefix(u, "http://zz.example.gov.cn/v/") {
		t.Fatalf("allowed host: verifyUrl %s", u)
	}

	e = newTestEnv(t, map[string]string{"CERTGRAPH_PUBLIC_URL": "https://zz.example.gov.cn/"})
	e.standardFixture(1, 1)
	tok = e.consumer()
	if u := ask(e, tok, "evil.example.com").must(t).str("encryptedIds.0.verifyUrl"); !strings.HasPrefix(u, "https://zz.example.gov.cn/v/") {
		t.Fatalf("public URL: verifyUrl %s", u)
	}
}

// Item 13: a download link dies with the account that minted it.
func TestLinksDieWithTheirAccount(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(1, 2)
	if _, err := e.app.writer.IssueFile(t.Context(), certs[0].ID, models.FormatPDF); err != nil {
		t.Fatal(err)
	}
	id, tok := e.withRoles("CONSUMER")
	link := e.gql(tok, `query($id: ID!) { certificate(id: $id, useFor: OTHER) { fileLink { url } } }`, map[string]any{"id": certs[0].ID}).must(t).str("certificate.fileLink.url")
	path := strings.TrimPrefix(link, e.url)
	if st, _, _ := e.get(path); st != http.StatusOK {
		t.Fatalf("download before revocation: HTTP %d", st)
	}
	e.gql(testAdminToken, `mutation($id: ID!) { revokeAccount(id: $id) { status } }`, map[string]any{"id": id}).must(t)
	if st, _, body := e.get(path); st != http.StatusForbidden {
		t.Fatalf("download after the minting account was revoked: HTTP %d %s", st, body)
	}
}

// Item 13: a revoked bootstrap admin stays revoked after a restart, and the
// start-up log says why its token is refused.
func TestRevokedBootstrapAdminStaysRevoked(t *testing.T) {
	e := newTestEnv(t, nil)
	_, other := e.withRoles("ADMIN")
	e.gql(other, `mutation { revokeAccount(id: "admin") { status } }`, nil).must(t)
	logs := &lockedBuffer{}
	a, err := open(context.Background(), e.app.cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newServer(a))
	t.Cleanup(func() { srv.Close(); a.close() })
	restarted := &testEnv{t: t, url: srv.URL, app: a}
	if r := restarted.gql(testAdminToken, `{ me { id } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked bootstrap admin after a restart: %s", r.Raw)
	}
	if !strings.Contains(logs.String(), "stays revoked") {
		t.Fatalf("start-up log does not say the bootstrap admin stays revoked:\n%s", logs)
	}
}

// Item 14: legacy JSON with the same key twice is refused, not read as the
// last one.
func TestLegacyDuplicateKeysRefused(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(1, 1)
	id, tok := e.withRoles("CONSUMER")
	for _, k := range []string{"accessToken", "AccessToken"} {
		body := fmt.Sprintf(`{"head":{"accountId":%q,"accessToken":"bad",%q:%q},"data":{"certificateID":%q,"useFor":"01"}}`, id, k, tok, certs[0].ID)
		r := e.legacyPost("/api/cert/info/by-id", "application/json", []byte(body))
		if st, msg := r.outcome(); st == "0" || !strings.Contains(msg, "多次") {
			t.Fatalf("duplicate %s: %s %s", k, st, msg)
		}
	}
}

// Item 15: a registrant's deptCode must be a 统一社会信用代码, and an
// issuer acts for it only once an admin confirmed it.
func TestDepartmentValidatedAndConfirmed(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_AUTO_APPROVE": "127.0.0.0/8,::1/128"})
	_, certs := e.standardFixture(1, 1)
	reg := `mutation($in: RegisterSystemInput!) { registerSystem(input: $in) { accountId accessToken status } }`
	r := e.gql("", reg, map[string]any{"in": map[string]any{"systemName": "x", "systemIp": "10.0.0.1", "deptCode": "demo", "deptName": "d"}})
	if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "deptCode" {
		t.Fatalf("deptCode demo: %s", r.Raw)
	}
	r = e.gql("", reg, map[string]any{"in": map[string]any{"systemName": "x", "systemIp": "10.0.0.1", "deptCode": deptCode, "deptName": "四川省公安厅"}}).must(t)
	id, tok := r.str("registerSystem.accountId"), r.str("registerSystem.accessToken")
	if r.str("registerSystem.status") != "APPROVED" {
		t.Fatalf("auto-approve: %s", r.Raw)
	}
	e.gql(testAdminToken, `mutation($id: ID!) { setRoles(id: $id, roles: [ISSUER]) { id } }`, map[string]any{"id": id}).must(t)
	revoke := `mutation($id: ID!) { revokeCertificate(id: $id, reason: "测试") { status } }`
	if r := e.gql(tok, revoke, map[string]any{"id": certs[0].ID}); r.code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "not confirmed") {
		t.Fatalf("issuer with an unconfirmed department: %s", r.Raw)
	}
	a := e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { deptConfirmedAt } }`, map[string]any{"id": id}).must(t)
	if a.str("approveAccount.deptConfirmedAt") == "" {
		t.Fatalf("approveAccount did not confirm: %s", a.Raw)
	}
	e.gql(tok, revoke, map[string]any{"id": certs[0].ID}).must(t)
}

// Item 16: the public page cannot be framed and tells citizens in plain
// Chinese why a damaged code does not verify.
func TestPublicPageFramingAndDamagedCode(t *testing.T) {
	e := newTestEnv(t, nil)
	e.standardFixture(1, 1)
	tok := e.consumer()
	enc := e.gql(tok, `query($c: String!) { encryptedIds(holderCode: $c) { encryptedId } }`, map[string]any{"c": personCode}).must(t).str("encryptedIds.0.encryptedId")
	damaged := enc[:len(enc)/2] + "A" + enc[len(enc)/2+1:]
	if damaged == enc {
		damaged = enc[:len(enc)/2] + "B" + enc[len(enc)/2+1:]
	}
	for _, code := range []string{damaged, enc[:20], "%25%25x"} {
		st, h, body := e.get("/v/" + code)
		if st != http.StatusOK || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("/v/%s: HTTP %d, CSP %q, XFO %q", code, st, h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"))
		}
		reason := body[strings.Index(body, `<p class="reason">`)+len(`<p class="reason">`):]
		reason = reason[:strings.Index(reason, "</p>")]
		if !strings.Contains(reason, "核验码") || strings.ContainsAny(reason, "abcdefghijklmnopqrstuvwxyz") {
			t.Fatalf("/v/%s: reason %q is not plain Chinese", code, reason)
		}
	}
}

// Item 17: a database that does not answer is UNAVAILABLE (GraphQL) and
// a failure with a Chinese reason (legacy; status 99 其他异常 where the table has it); a bad Date is the caller's error.
func TestFaultsAnsweredAsFaults(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(1, 1)
	id, tok := e.withRoles("CONSUMER", "ANALYST")
	r := e.gql(tok, `{ statistics(filter: {issuedFrom: "2024-13-45"}) { total } }`, nil)
	if r.code() != "BAD_USER_INPUT" {
		t.Fatalf("bad Date in a filter: %s", r.Raw)
	}
	_, admin := e.withRoles("ADMIN")
	for _, v := range []string{`"yesterday"`, `"2024-02-30T00:00:00Z"`, `17`} {
		r = e.gql(admin, `{ accessRecords(filter: {from: `+v+`}) { edges { node { id } } } }`, nil)
		if r.code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Raw), "RFC 3339") {
			t.Fatalf("bad Time %s in a filter: %s", v, r.Raw)
		}
	}
	if strings.Contains(e.logs.String(), "level=ERROR") {
		t.Fatalf("a bad Date or Time was logged as an error:\n%s", e.logs)
	}
	// A download link made while the database answered.
	if _, err := e.app.writer.IssueFile(t.Context(), certs[0].ID, models.FormatPDF); err != nil {
		t.Fatal(err)
	}
	_, consumer := e.withRoles("CONSUMER")
	link := e.gql(consumer, `query($id: ID!) { certificate(id: $id, useFor: SHARED_APPLICATION) { fileLink { url } } }`, map[string]any{"id": certs[0].ID}).must(t).str("certificate.fileLink.url")
	e.app.store.Close()
	if resp, err := http.Get(link); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("download, database down: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	r = e.gql(tok, `query($id: ID!) { certificate(id: $id, useFor: OTHER) { id } }`, map[string]any{"id": certs[0].ID})
	if r.code() != "UNAVAILABLE" {
		t.Fatalf("database down: %s", r.Raw)
	}
	l := e.legacyJSON("/api/cert/info/by-id", legacyInfoByID(id, tok, certs[0].ID))
	if st, msg := l.outcome(); st == "0" || !strings.Contains(msg, "服务暂不可用：数据库暂无响应") || strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz") {
		t.Fatalf("legacy, database down: %s %s", st, msg)
	}
}

// bothKinds finds an 18-digit code valid both as a 公民身份号码 and as a
// 统一社会信用代码.
func bothKinds(t *testing.T) string {
	for seq := 0; seq < 1000; seq++ {
		c := citizenID(fmt.Sprintf("11010519491231%03d", seq))
		if ident.ValidateCreditCode(c) == nil {
			return c
		}
	}
	t.Fatal("no code valid as both kinds")
	return ""
}

// Item 18: an all-digit 统一社会信用代码 is read as one; a code valid as
// both kinds needs its holder type.
func TestAllDigitCreditCode(t *testing.T) {
	e := newTestEnv(t, nil)
	e.standardFixture(1, 1)
	org := e.addHolder("915101075406503890", "001", "成都数字代码有限公司")
	e.addCert(org, certSpec{TypeCode: "11100000000013338W011", Serial: "90002", Surfaces: 1})
	tok := e.consumer()
	q := `query($c: String!, $t: String) { certificates(holderCode: $c, holderType: $t, useFor: OTHER) { id } }`
	if n := len(e.gql(tok, q, map[string]any{"c": "915101075406503890"}).must(t).list("certificates")); n != 1 {
		t.Fatalf("all-digit credit code: %d certificates, want 1", n)
	}
	both := bothKinds(t)
	r := e.gql(tok, q, map[string]any{"c": both})
	if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "holderType" {
		t.Fatalf("code valid as both kinds without a type: %s", r.Raw)
	}
	e.gql(tok, q, map[string]any{"c": both, "t": "111"}).must(t)
}

// jsonUnmarshalInto reads a GraphQL answer's data into v.
func jsonUnmarshalInto(raw []byte, v any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, v)
}
