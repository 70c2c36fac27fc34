package graphiql

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"certgraph/internal/browsertest"
	"certgraph/internal/graphiql/internal/testschema"
)

const testToken = "secret"

// newLoopbackServer serves GraphiQL at /graphiql and a real gqlgen endpoint at /graphql on
// 127.0.0.1 only.
func newLoopbackServer(t *testing.T) *httptest.Server {
	t.Helper()
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h := Handler(Config{Endpoint: "/graphql", DefaultQuery: "# the default query\n{ hello }\n"})
	mux.Handle("/graphiql", h)
	mux.Handle("/graphiql/", h)
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
	v := url.Values{}
	if query != "" {
		v.Set("query", query)
	}
	if headers != "" {
		v.Set("headers", headers)
	}
	return srv.URL + "/graphiql?" + v.Encode()
}

// newBrowser is a Chromium whose pages record every Content-Security-Policy violation in
// window.cspViolations, installed before any of the page's own scripts run.
func newBrowser(t *testing.T) *browsertest.Browser {
	t.Helper()
	b := browsertest.New(t)
	const record = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`
	_, err := chromedp.Run(b.Context(), func(ctx context.Context, tg *chromedp.Target) (cdppage.AddScriptToEvaluateOnNewDocumentResult, error) {
		return cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: record})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertClean fails the test if the page reached outside this machine or broke its CSP.
func assertClean(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("GraphiQL asked for %d non-loopback URLs (would fail offline): %q", len(ext), ext)
	}
	if v := browsertest.Eval[[]string](b, "window.cspViolations"); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations: %q", v)
	}
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
	srv := newLoopbackServer(t)
	b := newBrowser(t)

	got := runQuery(t, b, pageURL(srv, "{ hello }", `{"Authorization": "Bearer `+testToken+`"}`), `"`+testschema.Greeting+`"`)
	if !strings.Contains(got, `"hello": "world"`) {
		t.Errorf("response pane = %q, want it to hold \"hello\": \"world\"", got)
	}
	if s := b.Text(".graphiql-editor-tool"); !strings.Contains(s, "Bearer "+testToken) {
		t.Errorf("headers editor = %q, want the Authorization header from the URL", s)
	}
	b.Screenshot("hello")
	assertClean(t, b)
}

func TestGraphiQLShowsAuthError(t *testing.T) {
	srv := newLoopbackServer(t)
	b := newBrowser(t)

	got := runQuery(t, b, pageURL(srv, "{ hello }", ""), "UNAUTHENTICATED")
	if !strings.Contains(got, testschema.ErrUnauthenticatedMessage) {
		t.Errorf("response pane = %q, want the server's message %q", got, testschema.ErrUnauthenticatedMessage)
	}
	if strings.Contains(got, `"world"`) {
		t.Errorf("response pane = %q: answered without a token", got)
	}
	b.Screenshot("unauthenticated")
	assertClean(t, b)
}

// TestGraphiQLDocsAndTokenForTheTab: the Docs pane lists the schema (so introspection
// worked), the editor starts with the default query, and a token given once stays for the
// tab in sessionStorage, never in localStorage.
func TestGraphiQLDocsAndTokenForTheTab(t *testing.T) {
	srv := newLoopbackServer(t)
	b := newBrowser(t)

	b.Navigate(srv.URL + "/graphiql")
	b.WaitText(".graphiql-query-editor", "the default query")
	b.Click(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`)
	docs := b.WaitText(".graphiql-doc-explorer", "Query")
	if strings.Contains(docs, "Error fetching schema") {
		t.Fatalf("Docs pane: %q", docs)
	}
	b.Click(`.graphiql-doc-explorer a.graphiql-doc-explorer-type-name`)
	b.WaitText(".graphiql-doc-explorer", "hello")
	b.Screenshot("docs")

	// The token, typed once into the Headers pane (open by default).
	typeHeaders(t, b, `{"Authorization": "Bearer `+testToken+`"}`)
	b.Click(".graphiql-execute-button")
	b.WaitText(".graphiql-response", `"hello": "world"`)

	// GraphiQL writes its tab state to storage half a second after an edit.
	inSession := "Object.keys(sessionStorage).some(k => sessionStorage.getItem(k).includes('Bearer " + testToken + "'))"
	for deadline := time.Now().Add(10 * time.Second); !browsertest.Eval[bool](b, inSession); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the token never reached the tab's sessionStorage: %s", browsertest.Eval[string](b, "JSON.stringify({...sessionStorage})"))
		}
	}
	// The same tab without any parameter: the token is still there and works.
	b.Navigate(srv.URL + "/graphiql")
	b.WaitText(".graphiql-editor-tool", "Bearer "+testToken)
	b.Click(".graphiql-execute-button")
	b.WaitText(".graphiql-response", `"hello": "world"`)
	if n := browsertest.Eval[int](b, "localStorage.length"); n != 0 {
		t.Errorf("localStorage holds %d items; GraphiQL must keep its state in sessionStorage", n)
	}
	if !browsertest.Eval[bool](b, inSession) {
		t.Errorf("the token is not in the tab's sessionStorage")
	}
	assertClean(t, b)
}

// typeHeaders replaces the text of the visible Headers editor as typing would (through
// CodeMirror, so GraphiQL sees the change).
func typeHeaders(t *testing.T, b *browsertest.Browser, text string) {
	t.Helper()
	b.WaitVisible(".graphiql-editor-tool .CodeMirror")
	ok := browsertest.Eval[bool](b, `(() => {
		const cm = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) > .CodeMirror');
		if (!cm) return false;
		cm.CodeMirror.setValue(`+strconv.Quote(text)+`);
		return true;
	})()`)
	if !ok {
		t.Fatal("no visible Headers editor")
	}
	b.WaitText(".graphiql-editor-tool", text)
}
