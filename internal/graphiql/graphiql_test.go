package graphiql

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// fakeBundles makes a complete assets/ tree whose digests are pinned by a copy of Bundles,
// so the serving logic is tested without the real (generated) files.
func fakeBundles(t *testing.T) (fstest.MapFS, []Bundle) {
	t.Helper()
	fsys := fstest.MapFS{"assets/README.md": {Data: []byte("readme")}}
	pinned := make([]Bundle, len(Bundles))
	for i, b := range Bundles {
		data := []byte("/* " + b.AssetPath + " */")
		fsys["assets/"+b.AssetPath] = &fstest.MapFile{Data: data}
		sum := sha256.Sum256(data)
		if b.Integrity != "" {
			b.Integrity = "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
		}
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

func TestCheck(t *testing.T) {
	fsys, pinned := fakeBundles(t)
	withBundles(t, pinned)
	if inv := check(fsys); !inv.offline || len(inv.missing) != 0 || len(inv.assets) != len(Bundles) {
		t.Fatalf("complete tree: offline=%v missing=%q assets=%d", inv.offline, inv.missing, len(inv.assets))
	}

	js := "assets/" + Bundles[len(Bundles)-4].AssetPath // graphiql.min.js
	missing := fstest.MapFS{}
	for k, v := range fsys {
		if k != js {
			missing[k] = v
		}
	}
	inv := check(missing)
	if inv.offline || len(inv.missing) != 1 || inv.missing[0] != strings.TrimPrefix(js, "assets/") {
		t.Errorf("tree without %s: offline=%v missing=%q", js, inv.offline, inv.missing)
	}

	tampered := fstest.MapFS{}
	for k, v := range fsys {
		tampered[k] = v
	}
	tampered[js] = &fstest.MapFile{Data: []byte("/* another version */")}
	inv = check(tampered)
	if inv.offline || len(inv.missing) != 1 || !strings.Contains(inv.missing[0], "pinned") {
		t.Errorf("tree with a different %s: offline=%v missing=%q", js, inv.offline, inv.missing)
	}

	if inv := check(fstest.MapFS{"assets/README.md": {Data: []byte("x")}}); inv.offline || len(inv.missing) != len(Bundles) {
		t.Errorf("README-only tree: offline=%v missing=%d, want %d", inv.offline, len(inv.missing), len(Bundles))
	}
}

func TestPageOfflineUsesLocalBundles(t *testing.T) {
	fsys, pinned := fakeBundles(t)
	withBundles(t, pinned)
	h := &handler{endpoint: "/graphql", inv: check(fsys)}
	for _, path := range []string{"/graphiql", "/graphiql/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path+"?query=%7Bhello%7D", nil))
		body := html.UnescapeString(rec.Body.String()) // attributes escape '+' as &#43;
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
		if strings.Contains(body, "https://") {
			t.Errorf("GET %s: offline page mentions an https URL:\n%s", path, body)
		}
		if !strings.Contains(body, `new URL("/graphql", window.location.href)`) {
			t.Errorf("GET %s: page does not point the fetcher at /graphql:\n%s", path, body)
		}
	}
}

func TestPageWithoutBundlesUsesCDN(t *testing.T) {
	h := &handler{endpoint: "https://api.example.invalid/graphql", inv: check(fstest.MapFS{})}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql", nil))
	body := html.UnescapeString(rec.Body.String())
	for _, b := range Bundles {
		if b.Kind != License && !strings.Contains(body, `"`+b.CDNURL+`" integrity="`+b.Integrity+`"`) {
			t.Errorf("fallback page lacks %s", b.CDNURL)
		}
	}
	if strings.Contains(body, "/graphiql/assets/") {
		t.Error("fallback page points at local assets that do not exist")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql/assets/"+Bundles[0].AssetPath, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("asset without bundles: %d, want 404", rec.Code)
	}
}

func TestWarnIfOnline(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	warnIfOnline(logger, check(fstest.MapFS{}))
	out := buf.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, GenerateCommand) || !strings.Contains(out, "CDN") {
		t.Errorf("warning = %q; want a WARN naming the CDN and %q", out, GenerateCommand)
	}
	buf.Reset()
	fsys, pinned := fakeBundles(t)
	withBundles(t, pinned)
	warnIfOnline(logger, check(fsys))
	if buf.Len() != 0 {
		t.Errorf("complete bundles logged %q", buf.String())
	}
}

func TestServeAsset(t *testing.T) {
	fsys, pinned := fakeBundles(t)
	withBundles(t, pinned)
	h := &handler{endpoint: "/graphql", inv: check(fsys)}
	for _, b := range Bundles {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql/assets/"+b.AssetPath, nil))
		want := map[BundleKind]string{Script: "text/javascript; charset=utf-8", Stylesheet: "text/css; charset=utf-8", License: "text/plain; charset=utf-8"}[b.Kind]
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != want {
			t.Errorf("%s: %d %q, want 200 %q", b.AssetPath, rec.Code, rec.Header().Get("Content-Type"), want)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", b.AssetPath, cc)
		}
		if got := rec.Body.String(); got != "/* "+b.AssetPath+" */" {
			t.Errorf("%s: body %q", b.AssetPath, got)
		}
		etag := rec.Header().Get("ETag")
		req := httptest.NewRequest(http.MethodGet, "/graphiql/assets/"+b.AssetPath, nil)
		req.Header.Set("If-None-Match", etag)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if etag == "" || rec.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation with ETag %q gave %d, want 304", b.AssetPath, etag, rec.Code)
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
