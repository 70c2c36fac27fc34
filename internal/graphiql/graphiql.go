// Package graphiql serves the GraphiQL IDE for certgraph's GraphQL endpoint from this binary,
// with its React and GraphiQL bundles embedded, so analysts on networks without internet
// access get a working page.
//
// The bundles are not committed: `go generate ./internal/graphiql` takes them from npm
// (versions pinned by package.json, package-lock.json and Bundles) into assets/. A binary
// built without that step falls back to loading the same files from a CDN and says so in
// its log; Offline reports which case this binary is.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:generate go run ./gen

// embedded holds assets/: always README.md, plus the bundles when go generate has run.
//
//go:embed assets
var embedded embed.FS

// AssetsPrefix is the path segment under the mount path where the bundles are served:
// a page mounted at /graphiql loads /graphiql/assets/<Bundle.AssetPath>.
const AssetsPrefix = "/assets/"

// GenerateCommand is how to embed the bundles into a build; warnings and test failures cite it.
const GenerateCommand = "go generate ./internal/graphiql"

// asset is one embedded bundle ready to serve.
type asset struct {
	data        []byte
	contentType string
	etag        string
}

// inventory is the result of checking the embedded bundles once per process.
type inventory struct {
	offline bool
	missing []string // asset paths absent or not matching their pinned digest
	assets  map[string]asset
}

var (
	loadOnce sync.Once
	loaded   inventory
	warnOnce sync.Once
)

func load() inventory {
	loadOnce.Do(func() { loaded = check(embedded) })
	return loaded
}

// check looks up every bundle in fsys and accepts the set only if all are present and every
// digest matches its pin, so a half-generated or wrong-version assets/ never serves a page
// that breaks in the browser on an integrity failure.
func check(fsys fs.FS) inventory {
	inv := inventory{assets: make(map[string]asset, len(Bundles))}
	for _, b := range Bundles {
		data, err := fs.ReadFile(fsys, "assets/"+b.AssetPath)
		if err != nil || len(data) == 0 {
			inv.missing = append(inv.missing, b.AssetPath)
			continue
		}
		sum := sha256.Sum256(data)
		digest := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
		if b.Integrity != "" && digest != b.Integrity {
			inv.missing = append(inv.missing, b.AssetPath+" (digest "+digest+", pinned "+b.Integrity+")")
			continue
		}
		inv.assets[b.AssetPath] = asset{data: data, contentType: contentType(b), etag: `"` + digest + `"`}
	}
	inv.offline = len(inv.missing) == 0
	return inv
}

func contentType(b Bundle) string {
	switch b.Kind {
	case Script:
		return "text/javascript; charset=utf-8"
	case Stylesheet:
		return "text/css; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// Offline reports whether this binary embeds all GraphiQL bundles, i.e. whether /graphiql
// works without internet access. It is false for a build made without GenerateCommand.
func Offline() bool { return load().offline }

// Handler returns the GraphiQL page and its bundles. The page's fetcher posts to endpoint,
// which may be a path on this server ("/graphql") or an absolute URL.
//
// Mount it at both the page path and its subtree, without http.StripPrefix, e.g.
// mux.Handle("/graphiql", h) and mux.Handle("/graphiql/", h): the page's own request path
// tells it where its bundles live (<path>/assets/...). The page reads its initial editors from
// the URL query parameters query, variables, headers and operationName, and keeps query,
// variables and operationName in the URL as they are edited so a query can be bookmarked;
// headers are never written back to the URL or to browser storage because they carry tokens.
//
// If the bundles are not embedded, the page loads them from the CDN instead and Handler logs
// one warning per process (to logger, or slog.Default if nil) naming GenerateCommand.
func Handler(endpoint string, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	inv := load()
	warnOnce.Do(func() { warnIfOnline(logger, inv) })
	return &handler{endpoint: endpoint, inv: inv}
}

// warnIfOnline logs, for an inventory that is not complete, that the page will need the CDN
// and how to fix the build.
func warnIfOnline(logger *slog.Logger, inv inventory) {
	if inv.offline {
		return
	}
	logger.Warn("GraphiQL bundles are not embedded in this build; /graphiql will load them from the CDN and will not work without internet access",
		"missing", inv.missing, "fix", "run `"+GenerateCommand+"` (needs npm) and rebuild")
}

type handler struct {
	endpoint string
	inv      inventory
}

// startTime is the Last-Modified of embedded bundles: they cannot change while we run.
var startTime = time.Now()

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GraphiQL is read-only: use GET", http.StatusMethodNotAllowed)
		return
	}
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
	// The path carries the package version and the content is pinned by digest, so the
	// browser never needs to ask again.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", a.etag)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, path.Base(name), startTime, bytes.NewReader(a.data))
}

// pageBundle is one <script> or <link> on the page.
type pageBundle struct {
	URL       string
	Integrity string
}

type pageData struct {
	Endpoint    string
	Stylesheets []pageBundle
	Scripts     []pageBundle
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimSuffix(r.URL.Path, "/") + AssetsPrefix
	data := pageData{Endpoint: h.endpoint}
	for _, b := range Bundles {
		if b.Kind != Script && b.Kind != Stylesheet {
			continue
		}
		u := b.CDNURL
		if h.inv.offline {
			u = base + b.AssetPath
		}
		pb := pageBundle{URL: u, Integrity: b.Integrity}
		if b.Kind == Script {
			data.Scripts = append(data.Scripts, pb)
		} else {
			data.Stylesheets = append(data.Stylesheets, pb)
		}
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		// Only a template bug gets here: the data are fixed strings.
		http.Error(w, "render GraphiQL page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL may hold a bookmarked query
	_, _ = w.Write(buf.Bytes())
}

var page = template.Must(template.New("graphiql").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>certgraph · GraphiQL</title>
<style>
body { margin: 0; }
#graphiql { height: 100vh; }
.loading { height: 100%; display: flex; align-items: center; justify-content: center; font: 2rem sans-serif; }
</style>
{{- range .Stylesheets}}
<link rel="stylesheet" href="{{.URL}}" integrity="{{.Integrity}}" crossorigin="anonymous">
{{- end}}
</head>
<body>
<div id="graphiql"><div class="loading">Loading GraphiQL…</div></div>
<noscript>GraphiQL needs JavaScript.</noscript>
{{- range .Scripts}}
<script src="{{.URL}}" integrity="{{.Integrity}}" crossorigin="anonymous"></script>
{{- end}}
<script>
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  if (typeof GraphiQL === 'undefined' || typeof React === 'undefined' || typeof ReactDOM === 'undefined') {
    root.textContent = 'GraphiQL could not load its scripts.';
    return;
  }
  var params = new URLSearchParams(window.location.search);
  // Only these are kept in the address bar; headers stay out of it (they carry tokens).
  var kept = { query: params.get('query'), variables: params.get('variables'), operationName: params.get('operationName') };
  function keep(key) {
    return function (value) {
      kept[key] = value;
      var next = new URLSearchParams();
      Object.keys(kept).forEach(function (k) { if (kept[k]) next.set(k, kept[k]); });
      var search = next.toString();
      history.replaceState(null, '', search ? '?' + search : window.location.pathname);
    };
  }
  var headers = params.get('headers');
  var fetcher = GraphiQL.createFetcher({ url: new URL({{.Endpoint}}, window.location.href).toString() });
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    query: kept.query || undefined,
    variables: kept.variables || undefined,
    operationName: kept.operationName || undefined,
    headers: headers || undefined,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: headers ? 'headers' : (kept.variables ? 'variables' : false),
    onEditQuery: keep('query'),
    onEditVariables: keep('variables'),
    onEditOperationName: keep('operationName')
  }));
})();
</script>
</body>
</html>
`))
