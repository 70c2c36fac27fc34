package graphiql

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"certgraph/internal/browsertest"
	"certgraph/internal/graphiql/internal/testschema"
)

const testToken = "secret"

// requireOffline skips (developer machine) or fails (CI=true) a test that needs the embedded
// bundles when this build has none.
func requireOffline(t *testing.T) {
	t.Helper()
	if Offline() {
		return
	}
	msg := "GraphiQL bundles are not embedded (missing: " + strings.Join(load().missing, ", ") +
		"); run `" + GenerateCommand + "` first"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// newLoopbackServer serves GraphiQL at /graphiql and a real gqlgen endpoint at /graphql on
// 127.0.0.1 only.
func newLoopbackServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := Handler("/graphql", slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux.Handle("/graphiql", page)
	mux.Handle("/graphiql/", page)
	mux.Handle("/graphql", testschema.NewServer(testToken))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// pageURL is /graphiql with GraphiQL's initial editors in the query string.
func pageURL(srv *httptest.Server, query, headers string) string {
	v := url.Values{"query": {query}}
	if headers != "" {
		v.Set("headers", headers)
	}
	return srv.URL + "/graphiql?" + v.Encode()
}

// runQuery opens GraphiQL with a prepared query, presses its execute button and returns the
// response pane's text once it holds want.
func runQuery(t *testing.T, b *browsertest.Browser, pageURL, want string) string {
	t.Helper()
	b.Navigate(pageURL)
	b.WaitVisible(".graphiql-execute-button")
	// The query editor must hold the query from the URL before it is run.
	b.WaitText(".graphiql-query-editor", "hello")
	b.Click(".graphiql-execute-button")
	return b.WaitText(".graphiql-response", want)
}

func TestGraphiQLRunsQueryWithoutNetwork(t *testing.T) {
	requireOffline(t)
	srv := newLoopbackServer(t)
	b := browsertest.New(t)

	got := runQuery(t, b, pageURL(srv, "{ hello }", `{"Authorization": "Bearer `+testToken+`"}`), `"`+testschema.Greeting+`"`)
	if !strings.Contains(got, `"hello": "world"`) {
		t.Errorf("response pane = %q, want it to hold \"hello\": \"world\"", got)
	}
	if s := b.Text(".graphiql-editor-tool"); !strings.Contains(s, "Bearer "+testToken) {
		t.Errorf("headers editor = %q, want the Authorization header from the URL", s)
	}
	b.Screenshot("hello")
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("GraphiQL asked for %d non-loopback URLs (would fail offline): %q", len(ext), ext)
	}
	if errs := b.ConsoleErrors(); len(errs) != 0 {
		t.Logf("page console: %q", errs)
	}
}

func TestGraphiQLShowsAuthError(t *testing.T) {
	requireOffline(t)
	srv := newLoopbackServer(t)
	b := browsertest.New(t)

	got := runQuery(t, b, pageURL(srv, "{ hello }", ""), "UNAUTHENTICATED")
	if !strings.Contains(got, testschema.ErrUnauthenticatedMessage) {
		t.Errorf("response pane = %q, want the server's message %q", got, testschema.ErrUnauthenticatedMessage)
	}
	if strings.Contains(got, `"world"`) {
		t.Errorf("response pane = %q: answered without a token", got)
	}
	b.Screenshot("unauthenticated")
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("GraphiQL asked for non-loopback URLs: %q", ext)
	}
}

// TestGuardCatchesCDNFallback proves the offline assertion above can fail: the page a build
// without bundles serves asks the CDN for every bundle, and the browser's guard records (and
// blocks) each of those requests.
func TestGuardCatchesCDNFallback(t *testing.T) {
	fallback := &handler{endpoint: "/graphql", inv: check(fstest.MapFS{})}
	srv := httptest.NewServer(fallback)
	t.Cleanup(srv.Close)
	b := browsertest.New(t)
	b.Navigate(srv.URL + "/graphiql")
	b.WaitText("#graphiql", "could not load its scripts")
	ext := b.ExternalRequests()
	for _, bundle := range Bundles {
		if bundle.Kind == License {
			continue
		}
		if !slices.Contains(ext, bundle.CDNURL) {
			t.Errorf("guard did not record %s; recorded %q", bundle.CDNURL, ext)
		}
	}
}
