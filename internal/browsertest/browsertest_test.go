package browsertest

import (
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
)

func TestIsLoopbackURL(t *testing.T) {
	for u, want := range map[string]bool{
		"http://127.0.0.1:8080/graphiql":   true,
		"http://127.8.9.10/":               true,
		"http://[::1]:9/x":                 true,
		"http://localhost/":                true,
		"ws://app.localhost/socket":        true,
		"data:text/plain,hi":               true,
		"about:blank":                      true,
		"https://cdn.jsdelivr.net/npm/x":   false,
		"http://10.0.0.1/":                 false,
		"http://[::2]/":                    false,
		"http://localhost.example.invalid": false,
		"ftp://127.0.0.1/":                 false,
		"file:///etc/passwd":               false,
		"http://128.0.0.1/":                false,
		"%zz":                              false,
	} {
		if got := IsLoopbackURL(u); got != want {
			t.Errorf("IsLoopbackURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// TestGuardBlocksAndRecordsExternalRequests serves a page that loads one local script and
// tries one script, one image and one fetch on an outside host (.invalid: it cannot resolve
// even if the guard failed); the local one must run, the outside ones must be recorded and fail.
func TestGuardBlocksAndRecordsExternalRequests(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/local.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `window.localLoaded = true;`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><body>
<h1 id="title">guard test</h1>
<div id="status">waiting</div>
<script src="/local.js"></script>
<script src="http://cdn.example.invalid/lib.js" onerror="window.extScriptFailed = true"></script>
<img src="https://images.example.invalid/logo.png" alt="">
<script>
fetch('http://api.example.invalid/data').then(
  () => { document.getElementById('status').textContent = 'fetch went through'; },
  () => { document.getElementById('status').textContent = 'fetch blocked, local=' + window.localLoaded + ', script failed=' + window.extScriptFailed; });
</script>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := New(t)
	b.Navigate(srv.URL + "/")
	got := b.WaitText("#status", "fetch blocked")
	if want := "fetch blocked, local=true, script failed=true"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	if s := b.Text("#title"); s != "guard test" {
		t.Errorf("Text(#title) = %q", s)
	}
	if n := Eval[int](b, `Promise.resolve(document.scripts.length)`); n != 3 {
		t.Errorf("Eval(scripts) = %d, want 3", n)
	}
	ext := b.ExternalRequests()
	for _, want := range []string{
		"http://cdn.example.invalid/lib.js",
		"https://images.example.invalid/logo.png",
		"http://api.example.invalid/data",
	} {
		if !slices.Contains(ext, want) {
			t.Errorf("ExternalRequests() = %q, missing %q", ext, want)
		}
	}
	for _, u := range ext {
		if IsLoopbackURL(u) {
			t.Errorf("ExternalRequests() holds loopback URL %q", u)
		}
	}

	t.Setenv(ArtifactsEnv, t.TempDir())
	p := b.Screenshot("guard")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", p, err)
	}
	if w := img.Bounds().Dx(); w != 1280 {
		t.Errorf("screenshot width = %d, want 1280 (the window width)", w)
	}
}

func TestClick(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><button id="b" onclick="this.textContent='clicked ' + (++window.n)">press</button><script>window.n=0</script>`)
	}))
	defer srv.Close()
	b := New(t)
	b.Navigate(srv.URL)
	b.WaitVisible("#b")
	b.Click("#b")
	b.WaitText("#b", "clicked 1")
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("ExternalRequests() = %q, want none", ext)
	}
}
