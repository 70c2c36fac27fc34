package graphiql

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// fakeFiles makes a complete tree of bundles and page files whose digests are pinned by a
// copy of Bundles, so the serving logic is tested on small files.
func fakeFiles(t *testing.T) (fstest.MapFS, []Bundle) {
	t.Helper()
	fsys := fstest.MapFS{
		"assets/README.md":  {Data: []byte("readme")},
		"page/graphiql.js":  {Data: []byte("/* page script */")},
		"page/graphiql.css": {Data: []byte("/* page style */")},
	}
	pinned := make([]Bundle, len(Bundles))
	for i, b := range Bundles {
		data := []byte("/* " + b.AssetPath + " */")
		fsys["assets/"+b.AssetPath] = &fstest.MapFile{Data: data}
		b.Integrity = Digest(data)
		pinned[i] = b
	}
	return fsys, pinned
}

// withBundles swaps the package's Bundles for the test.
func withBundles(t *testing.T, bs []Bundle) {
	old := Bundles
	Bundles = bs
	t.Cleanup(func() { Bundles = old })
}

// TestEmbeddedBundlesMatchPins is what makes every build serve GraphiQL offline: the
// committed bundles are embedded and match their pinned digests.
func TestEmbeddedBundlesMatchPins(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	inv := load()
	for _, b := range Bundles {
		if _, ok := inv.assets[b.AssetPath]; !ok {
			t.Errorf("%s is not embedded", b.AssetPath)
		}
		if !strings.HasPrefix(b.Integrity, "sha256-") {
			t.Errorf("%s has no pinned digest", b.AssetPath)
		}
	}
	if !strings.Contains(ExampleQuery, "surfaces") || !strings.Contains(ExampleQuery, "statistics") {
		t.Errorf("ExampleQuery lacks the holder walk or the statistics example:\n%s", ExampleQuery)
	}
}

func TestCheck(t *testing.T) {
	fsys, pinned := fakeFiles(t)
	withBundles(t, pinned)
	if inv := check(fsys); inv.err != nil || len(inv.assets) != len(Bundles)+2 {
		t.Fatalf("complete tree: err=%v assets=%d", inv.err, len(inv.assets))
	}

	js := "assets/" + Bundles[3].AssetPath // graphiql.min.js
	missing := fstest.MapFS{}
	for k, v := range fsys {
		if k != js {
			missing[k] = v
		}
	}
	if inv := check(missing); inv.err == nil || !strings.Contains(inv.err.Error(), Bundles[3].AssetPath+" is missing") {
		t.Errorf("tree without %s: err=%v", js, inv.err)
	}

	tampered := fstest.MapFS{}
	for k, v := range fsys {
		tampered[k] = v
	}
	tampered[js] = &fstest.MapFile{Data: []byte("/* another version */")}
	if inv := check(tampered); inv.err == nil || !strings.Contains(inv.err.Error(), "pinned") {
		t.Errorf("tree with a different %s: err=%v", js, inv.err)
	}
	if _, ok := check(tampered).assets[Bundles[3].AssetPath]; ok {
		t.Errorf("a bundle that does not match its pin is served")
	}
}

func TestPageUsesLocalFilesOnly(t *testing.T) {
	fsys, pinned := fakeFiles(t)
	withBundles(t, pinned)
	h := &handler{cfg: Config{Endpoint: "/graphql", DefaultQuery: "{ me { id } } # \"quoted\" <b>"}, inv: check(fsys), csp: contentSecurityPolicy("/graphql")}
	for _, path := range []string{"/graphiql", "/graphiql/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path+"?query=%7Bhello%7D", nil))
		raw := rec.Body.String()
		body := html.UnescapeString(raw) // attributes escape '+' as &#43;
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("GET %s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		for _, b := range Bundles {
			if b.Kind == License {
				continue
			}
			want := `"/graphiql/assets/` + b.AssetPath + `" integrity="` + b.Integrity + `"`
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: page lacks %s", path, want)
			}
		}
		if !strings.Contains(body, `<script src="/graphiql/assets/`+pageScript+`" integrity="`+Digest([]byte("/* page script */"))+`">`) {
			t.Errorf("GET %s: page does not load its own script with its digest:\n%s", path, body)
		}
		if strings.Contains(body, "https://") || strings.Contains(body, "http://") {
			t.Errorf("GET %s: page mentions another host:\n%s", path, body)
		}
		if strings.Count(raw, "<script") != strings.Count(raw, "<script src=") || strings.Contains(raw, "<style") {
			t.Errorf("GET %s: page has inline script or style (the CSP forbids them):\n%s", path, raw)
		}
		if !strings.Contains(body, `data-endpoint="/graphql"`) || !strings.Contains(raw, `data-default-query="{ me { id } } # &#34;quoted&#34; &lt;b&gt;"`) {
			t.Errorf("GET %s: endpoint or escaped default query missing:\n%s", path, raw)
		}
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'"} {
			if !strings.Contains(csp+";", want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.Split(strings.Split(csp, "script-src")[1], ";")[0], "unsafe-inline") {
			t.Errorf("GET %s: scripts may run inline or eval: %q", path, csp)
		}
		if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s: X-Frame-Options %q, want DENY", path, got)
		}
	}
}

func TestCSPAllowsAnAbsoluteEndpoint(t *testing.T) {
	csp := contentSecurityPolicy("https://api.example.gov.cn/graphql")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.gov.cn;") {
		t.Errorf("CSP %q does not allow the endpoint's origin", csp)
	}
}

func TestDamagedBuildSaysSo(t *testing.T) {
	h := &handler{cfg: Config{Endpoint: "/graphql"}, inv: check(fstest.MapFS{})}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "damaged") || !strings.Contains(rec.Body.String(), GenerateCommand) {
		t.Errorf("page of a build without bundles: %d %q", rec.Code, rec.Body.String())
	}
}

func TestServeAsset(t *testing.T) {
	fsys, pinned := fakeFiles(t)
	withBundles(t, pinned)
	h := &handler{cfg: Config{Endpoint: "/graphql"}, inv: check(fsys)}
	type file struct {
		path, contentType, cacheControl, body string
	}
	files := []file{
		{pageScript, "text/javascript; charset=utf-8", "no-cache", "/* page script */"},
		{pageStylesheet, "text/css; charset=utf-8", "no-cache", "/* page style */"},
	}
	for _, b := range Bundles {
		ct := map[BundleKind]string{Script: "text/javascript; charset=utf-8", Stylesheet: "text/css; charset=utf-8", License: "text/plain; charset=utf-8"}[b.Kind]
		files = append(files, file{b.AssetPath, ct, "public, max-age=31536000, immutable", "/* " + b.AssetPath + " */"})
	}
	for _, f := range files {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql/assets/"+f.path, nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != f.contentType {
			t.Errorf("%s: %d %q, want 200 %q", f.path, rec.Code, rec.Header().Get("Content-Type"), f.contentType)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != f.cacheControl {
			t.Errorf("%s: Cache-Control %q, want %q", f.path, cc, f.cacheControl)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", f.path)
		}
		if got := rec.Body.String(); got != f.body {
			t.Errorf("%s: body %q", f.path, got)
		}
		etag := rec.Header().Get("ETag")
		req := httptest.NewRequest(http.MethodGet, "/graphiql/assets/"+f.path, nil)
		req.Header.Set("If-None-Match", etag)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if etag == "" || rec.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation with ETag %q gave %d, want 304", f.path, etag, rec.Code)
		}
	}
	for path, code := range map[string]int{
		"/graphiql/assets/nope.js":                    http.StatusNotFound,
		"/graphiql/assets/README.md":                  http.StatusNotFound,
		"/graphiql/assets/../graphiql.go":             http.StatusNotFound,
		"/graphiql/assets/graphiql@9.9.9/graphiql.js": http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != code {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphiql", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /graphiql: %d Allow=%q, want 405", rec.Code, rec.Header().Get("Allow"))
	}
}
