// Package graphiql serves the GraphiQL IDE for certgraph's GraphQL endpoint from this binary,
// with its React and GraphiQL bundles embedded, so analysts on networks without internet
// access get a working page from any build (`go run .`, `go install`, an air-gapped `go build`).
//
// The bundles are committed in assets/ (graphiql 4.1.2, react and react-dom 18.2.0, MIT, with
// their licences) and pinned by digest in Bundles. `go generate ./internal/graphiql` refreshes
// them from npm (versions pinned by package.json and package-lock.json, whose checksums npm
// verifies) and checks each file against its pin; `go run ./internal/graphiql/gen -verify`
// checks the committed copies without npm.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

//go:generate go run ./gen

// embedded holds assets/ (the third-party bundles) and page/ (this package's own script,
// stylesheet and example query).
//
//go:embed assets page
var embedded embed.FS

// ExampleQuery is the editor's content on a first visit: a holder → certificates → surfaces
// walk and a statistics query, with codes that exist in the demo data.
//
//go:embed page/example.graphql
var ExampleQuery string

// AssetsPrefix is the path segment under the mount path where the bundles are served:
// a page mounted at /graphiql loads /graphiql/assets/<Bundle.AssetPath>.
const AssetsPrefix = "/assets/"

// GenerateCommand refreshes the committed bundles from npm.
const GenerateCommand = "go generate ./internal/graphiql"

// Page files served beside the bundles; their names cannot clash with a bundle's, which
// always start with name@version/.
const (
	pageScript     = "certgraph/graphiql.js"
	pageStylesheet = "certgraph/graphiql.css"
)

// asset is one embedded file ready to serve.
type asset struct {
	data        []byte
	contentType string
	integrity   string // Digest of data; its ETag too
	immutable   bool   // a versioned, pinned bundle (page files change with certgraph)
}

// inventory is the result of checking the embedded files once per process.
type inventory struct {
	err    error // nil when every bundle is present and matches its pin
	assets map[string]asset
}

var (
	loadOnce sync.Once
	loaded   inventory
)

func load() inventory {
	loadOnce.Do(func() { loaded = check(embedded) })
	return loaded
}

// Check reports whether this binary's embedded bundles are all present and match their
// pinned digests. It only fails for a damaged checkout; tests and CI assert it is nil.
func Check() error { return load().err }

// check looks up every bundle and page file in fsys and accepts the set only if all are
// present and every bundle matches its pin, so a damaged assets/ never serves a page that
// breaks in the browser on an integrity failure.
func check(fsys fs.FS) inventory {
	inv := inventory{assets: make(map[string]asset, len(Bundles)+2)}
	var problems []error
	for _, b := range Bundles {
		data, err := fs.ReadFile(fsys, "assets/"+b.AssetPath)
		if err != nil || len(data) == 0 {
			problems = append(problems, fmt.Errorf("%s is missing", b.AssetPath))
			continue
		}
		if digest := Digest(data); digest != b.Integrity {
			problems = append(problems, fmt.Errorf("%s has digest %s, pinned %s", b.AssetPath, digest, b.Integrity))
			continue
		}
		inv.assets[b.AssetPath] = asset{data: data, contentType: contentType(b.AssetPath), integrity: b.Integrity, immutable: true}
	}
	for name, file := range map[string]string{pageScript: "page/graphiql.js", pageStylesheet: "page/graphiql.css"} {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s is missing", file))
			continue
		}
		inv.assets[name] = asset{data: data, contentType: contentType(file), integrity: Digest(data)}
	}
	if len(problems) > 0 {
		inv.err = fmt.Errorf("GraphiQL files in this build are damaged (restore internal/graphiql/assets from git or run `%s`): %w", GenerateCommand, errors.Join(problems...))
	}
	return inv
}

// Digest is the Subresource Integrity value of data: "sha256-" and the base64 SHA-256.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// Config is what the page needs to know about the server it is mounted on.
type Config struct {
	// Endpoint is where the page posts operations: a path on this server ("/graphql")
	// or an absolute URL (whose origin the page's Content-Security-Policy then allows).
	Endpoint string
	// DefaultQuery fills the editor on a first visit (no query in the URL or the tab's
	// storage); empty leaves GraphiQL's own welcome text.
	DefaultQuery string
}

// Handler returns the GraphiQL page and its files.
//
// Mount it at both the page path and its subtree, without http.StripPrefix, e.g.
// mux.Handle("/graphiql", h) and mux.Handle("/graphiql/", h): the page's own request path
// tells it where its files live (<path>/assets/...). The page reads its initial editors from
// the URL query parameters query, variables, headers and operationName, and keeps query,
// variables and operationName in the URL as they are edited so a query can be bookmarked.
// Headers (the token) are kept in the tab's sessionStorage only, never in the URL or in
// localStorage.
//
// The page is served with a Content-Security-Policy that allows scripts, styles and
// connections to this server only (no inline script) and forbids framing.
func Handler(cfg Config) http.Handler {
	return &handler{cfg: cfg, inv: load(), csp: contentSecurityPolicy(cfg.Endpoint)}
}

// contentSecurityPolicy allows what GraphiQL needs from this server and nothing else:
// its scripts and stylesheets (GraphiQL sets element styles from script, and its editor
// inserts <style> elements, hence 'unsafe-inline' for styles only), data: images and fonts
// from its stylesheet, and connections to the endpoint.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

type handler struct {
	cfg Config
	inv inventory
	csp string
}

// startTime is the Last-Modified of embedded files: they cannot change while we run.
var startTime = time.Now()

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GraphiQL is read-only: use GET", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if i := strings.LastIndex(r.URL.Path, AssetsPrefix); i >= 0 {
		h.serveAsset(w, r, r.URL.Path[i+len(AssetsPrefix):])
		return
	}
	h.servePage(w, r)
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := h.inv.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	if a.immutable {
		// The path carries the package version and the content is pinned by digest, so the
		// browser never needs to ask again.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+a.integrity+`"`)
	http.ServeContent(w, r, path.Base(name), startTime, bytes.NewReader(a.data))
}

// pageBundle is one <script> or <link> on the page.
type pageBundle struct {
	URL       string
	Integrity string
}

type pageData struct {
	Endpoint     string
	DefaultQuery string
	Stylesheets  []pageBundle
	Scripts      []pageBundle
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	if h.inv.err != nil {
		http.Error(w, h.inv.err.Error(), http.StatusInternalServerError)
		return
	}
	base := strings.TrimSuffix(r.URL.Path, "/") + AssetsPrefix
	data := pageData{Endpoint: h.cfg.Endpoint, DefaultQuery: h.cfg.DefaultQuery}
	for _, b := range Bundles {
		pb := pageBundle{URL: base + b.AssetPath, Integrity: b.Integrity}
		switch b.Kind {
		case Script:
			data.Scripts = append(data.Scripts, pb)
		case Stylesheet:
			data.Stylesheets = append(data.Stylesheets, pb)
		}
	}
	data.Stylesheets = append(data.Stylesheets, pageBundle{URL: base + pageStylesheet, Integrity: h.inv.assets[pageStylesheet].integrity})
	data.Scripts = append(data.Scripts, pageBundle{URL: base + pageScript, Integrity: h.inv.assets[pageScript].integrity})
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		// Only a template bug gets here: the data are fixed strings.
		http.Error(w, "render GraphiQL page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", h.csp)
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL may hold a bookmarked query
	_, _ = w.Write(buf.Bytes())
}

var page = template.Must(template.New("graphiql").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>certgraph · GraphiQL</title>
{{- range .Stylesheets}}
<link rel="stylesheet" href="{{.URL}}" integrity="{{.Integrity}}">
{{- end}}
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}" data-default-query="{{.DefaultQuery}}"><div class="loading">Loading GraphiQL…</div></div>
<noscript>GraphiQL needs JavaScript.</noscript>
{{- range .Scripts}}
<script src="{{.URL}}" integrity="{{.Integrity}}"></script>
{{- end}}
</body>
</html>
`))
