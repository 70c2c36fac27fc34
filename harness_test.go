package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
)

// testAdminToken authenticates the bootstrap admin in every test server.
const testAdminToken = "test-admin-token-0123456789"

// testEnv is a real certgraph server on a random loopback port over a real
// database: SQLite in a temp dir, or — when CERTGRAPH_TEST_DATABASE_URL names
// a MySQL/MariaDB server — a fresh database created for this test and dropped
// after it.
type testEnv struct {
	t   testing.TB
	url string
	app *app
	// statements counts SQL statements the server ran since the last reset.
	statements atomic.Int64
	// logs is everything the server logged at warn and above.
	logs *lockedBuffer
}

// testDatabaseURL creates a fresh MySQL database for t when the suite runs
// against MariaDB, and returns its URL ("" for SQLite).
func testDatabaseURL(t testing.TB) string { return storetest.MySQLURL(t) }

// newTestEnv starts a server. env adds or overrides CERTGRAPH_* settings.
func newTestEnv(t testing.TB, env map[string]string) *testEnv {
	t.Helper()
	return newTestEnvWith(t, env, nil)
}

// newTestEnvWith is newTestEnv with prepare run on the app before its
// HTTP surface is built (tracing, logging).
func newTestEnvWith(t testing.TB, env map[string]string, prepare func(*app)) *testEnv {
	t.Helper()
	vars := map[string]string{
		"CERTGRAPH_DATA_DIR":              t.TempDir(),
		"CERTGRAPH_DATABASE_URL":          testDatabaseURL(t),
		"CERTGRAPH_BOOTSTRAP_ADMIN_TOKEN": testAdminToken,
		"CERTGRAPH_DEMO":                  "false",
		"CERTGRAPH_AUTO_APPROVE":          " ",
		"CERTGRAPH_LOG_LEVEL":             "error",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, _, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	var out io.Writer = testLogWriter{t}
	if _, fuzz := t.(*testing.F); fuzz {
		// A fuzz target's env is shared by its iterations, and F.Log inside
		// the target panics: warnings (a slow statement under -race) then
		// go only to logs.
		out = io.Discard
	}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(out, logs), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	// Tests bring their own catalogue, as demo data does.
	if err := a.store.EnsureCertificateTypes(context.Background(), store.CertificateTypes); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: a, logs: logs}
	storetest.CountStatements(a.store, &e.statements)
	if prepare != nil {
		prepare(a)
	}
	srv := httptest.NewServer(newServer(a))
	e.url = srv.URL
	t.Cleanup(func() { srv.Close(); a.close() })
	return e
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// gqlResponse is a GraphQL-over-HTTP answer.
type gqlResponse struct {
	Status int
	Data   map[string]any
	Errors []gqlError
	Raw    []byte
	Header http.Header
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// code is the first error's extensions.code ("" when there is no error).
func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// gql posts a GraphQL operation with the given bearer token ("" for none).
func (e *testEnv) gql(token, query string, vars map[string]any, headers ...string) *gqlResponse {
	e.t.Helper()
	return e.gqlAt(e.url, token, query, vars, headers...)
}

// gqlAt is gql to the server at base (another server of the same app).
func (e *testEnv) gqlAt(base, token, query string, vars map[string]any, headers ...string) *gqlResponse {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(req)
}

func (e *testEnv) do(req *http.Request) *gqlResponse {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &gqlResponse{Status: resp.StatusCode, Raw: raw, Header: resp.Header}
	if err := json.Unmarshal(raw, out); err != nil {
		e.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return out
}

// must fails the test when the response carries errors.
func (r *gqlResponse) must(t testing.TB) *gqlResponse {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("unexpected errors (HTTP %d): %s", r.Status, r.Raw)
	}
	return r
}

// get walks r.Data along a dotted path ("a.b.0.c").
func (r *gqlResponse) get(path string) any {
	var cur any = r.Data
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			if i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func (r *gqlResponse) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

func (r *gqlResponse) list(path string) []any {
	l, _ := r.get(path).([]any)
	return l
}

// register registers a system and returns its account id and token.
func (e *testEnv) register(name string) (id, token, status string) {
	e.t.Helper()
	r := e.gql("", `mutation($in: RegisterSystemInput!) { registerSystem(input: $in) { accountId accessToken status } }`,
		map[string]any{"in": map[string]any{"systemName": name, "systemIp": "10.1.2.3", "deptCode": creditCode("11510000MB1234567"), "deptName": "测试部门"}}).must(e.t)
	return r.str("registerSystem.accountId"), r.str("registerSystem.accessToken"), r.str("registerSystem.status")
}

// consumer returns the token of a fresh approved consumer account.
func (e *testEnv) consumer() string {
	e.t.Helper()
	id, tok, _ := e.register("consumer")
	e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}).must(e.t)
	return tok
}

// withRoles returns the token of a fresh approved account with roles.
func (e *testEnv) withRoles(roles ...string) (string, string) {
	e.t.Helper()
	id, tok, _ := e.register("with roles")
	e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": id}).must(e.t)
	e.gql(testAdminToken, `mutation($id: ID!, $r: [Role!]!) { setRoles(id: $id, roles: $r) { roles } }`, map[string]any{"id": id, "r": roles}).must(e.t)
	return id, tok
}

// benchPosts sends body to url as a JSON POST, with a bearer token unless
// token is empty, for every iteration of b, and fails on a transport error
// or an answer ok refuses.
func benchPosts(b *testing.B, client *http.Client, url, token string, body []byte, ok func(status int, out []byte) bool) {
	b.Helper()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !ok(resp.StatusCode, out) {
			b.Fatalf("POST %s: HTTP %d: %s", url, resp.StatusCode, out)
		}
	}
}
