// Package legacy is the adapter for legacy e-government systems: the POST
// JSON endpoints of DB51/T 2942—2022 §6 (tables 2–14), with the paths,
// envelope, status codes, dates, credentials and charsets of
// docs/LEGACY.md. It holds no business rule: every endpoint decodes the spec
// request, runs one GraphQL operation in-process through the same
// executable schema as /graphql, and maps the result to the spec response.
package legacy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"certgraph/internal/reqinfo"
	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
)

// DefaultMaxBodyBytes is the request body limit: 6.5.2 carries a layout
// file of up to 5 MiB as base64 (6.7 MiB) plus its envelope.
const DefaultMaxBodyBytes = 8 << 20

// Requests attaches a request's credentials, channel, remote address and
// base URL to a context; *resolvers.Resolver is one.
type Requests interface {
	WithRequest(ctx context.Context, info reqinfo.RequestInfo) context.Context
}

// Config is what the adapter needs from the node.
type Config struct {
	// Executor runs GraphQL operations in-process; it must be configured with
	// the same extensions and error presenter as the /graphql handler.
	Executor graphql.GraphExecutor
	// Requests attaches the caller's identity before each operation.
	Requests Requests
	// MaxBodyBytes limits request bodies (DefaultMaxBodyBytes when ≤ 0).
	MaxBodyBytes int64
	// Log receives failures of the adapter itself (never caller errors).
	Log *slog.Logger
	// Admit applies the per-client-address rate limit (nil admits all):
	// refused requests get HTTP 429, Retry-After and the endpoint's failure.
	Admit func(req *http.Request) (ok bool, retryAfter time.Duration)
}

// Handler serves every legacy endpoint under its path (docs/LEGACY.md).
type Handler struct {
	exec     graphql.GraphExecutor
	requests Requests
	maxBody  int64
	log      *slog.Logger
	admit    func(req *http.Request) (bool, time.Duration)
	routes   map[string]*endpoint
}

// New returns the adapter's handler; mount it at "/api/".
func New(cfg Config) *Handler {
	h := &Handler{exec: cfg.Executor, requests: cfg.Requests, maxBody: cfg.MaxBodyBytes, log: cfg.Log, admit: cfg.Admit, routes: map[string]*endpoint{}}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, e := range endpoints() {
		h.routes[e.Path] = e
	}
	return h
}

// endpoint describes one legacy endpoint: where it is served, what it
// runs and how it maps requests and answers (each endpoint's file names
// its spec section and table).
type endpoint struct {
	// Path is the URL path (docs/LEGACY.md lists them all).
	Path string
	// Operation is the GraphQL operation the endpoint runs.
	Operation string
	// params maps GraphQL argument and input field names to the spec's
	// parameter names, so failures name what the caller sent.
	params map[string]string
	// decode reads the spec request into GraphQL variables, credentials
	// and whatever the response mapping needs.
	decode func(r *request) (*call, *Failure)
	// respond maps the operation's data to the spec response.
	respond func(data []byte) (reply, *Failure)
	// fail shapes a failure as this endpoint's table writes its output.
	fail func(f *Failure) any
}

// endpoints lists every legacy endpoint in spec order.
func endpoints() []*endpoint {
	return []*endpoint{
		searchEndpoint, downloadByHolderEndpoint, downloadByIDEndpoint, downloadByEncryptedIDEndpoint,
		infoByHolderEndpoint, infoByIDEndpoint, encryptedIDEndpoint, qrcodeEndpoint,
		verifyByFieldsEndpoint, verifyByFileEndpoint, verifyByEncryptedIDEndpoint, registerEndpoint,
	}
}

// call is a decoded request: the operation's variables and the caller's
// credentials (nil for 6.6, which needs none).
type call struct {
	vars  map[string]any
	creds *reqinfo.Credentials
}

// reply is a successful answer: a JSON value, or raw PNG bytes for 6.4.4.
type reply struct {
	json any
	png  []byte
}

// ServeHTTP answers POST with the endpoint's spec response (HTTP 200 also
// for failures, which are in the body), 405 for other methods and 413 for
// bodies over the limit.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	e := h.routes[strings.TrimRight(req.URL.Path, "/")]
	if e == nil {
		http.NotFound(w, req)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method "+req.Method+" not allowed: the legacy endpoints take POST only", http.StatusMethodNotAllowed)
		return
	}
	cs, f := requestCharset(req.Header.Get("Content-Type"))
	if f != nil {
		writeJSON(w, http.StatusOK, utf8Charset, e.fail(f))
		return
	}
	if h.admit != nil {
		if ok, wait := h.admit(req); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeJSON(w, http.StatusTooManyRequests, cs, e.fail(rateLimited(secs)))
			return
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, h.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, cs, e.fail(malformed("", "请求体超过 %d 字节的上限", h.maxBody)))
			return
		}
		writeJSON(w, http.StatusOK, cs, e.fail(malformed("", "读取请求体失败（连接中断或超时）")))
		return
	}
	rep, f := h.serve(req, e, cs, raw)
	if f != nil {
		writeJSON(w, http.StatusOK, cs, e.fail(f))
		return
	}
	if rep.png != nil {
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusOK)
		w.Write(rep.png)
		return
	}
	writeJSON(w, http.StatusOK, cs, rep.json)
}

// serve decodes, runs and maps one request.
func (h *Handler) serve(req *http.Request, e *endpoint, cs charset, raw []byte) (reply, *Failure) {
	text, f := cs.decode(raw)
	if f != nil {
		return reply{}, f
	}
	root, f := parseBody(text)
	if f != nil {
		return reply{}, f
	}
	c, f := e.decode(&request{root: root, header: req.Header})
	if f != nil {
		return reply{}, f
	}
	ctx := req.Context()
	if h.requests != nil {
		info := reqinfo.RequestInfo{Channel: models.ChannelLegacy, Remote: reqinfo.RemoteAddr(req), BaseURL: reqinfo.BaseURL(req), Lang: models.Chinese, Names: namer(e.params)}
		if c.creds != nil {
			info.Credentials = *c.creds
		}
		ctx = h.requests.WithRequest(ctx, info)
	}
	data, partial, f := h.run(ctx, e, c.vars)
	if f != nil {
		return reply{}, f
	}
	r, f := e.respond(data)
	if f != nil {
		return r, f
	}
	return withPartialMessage(r, partial), nil
}

// Paths are the URL paths of every legacy endpoint (a fixed set: metrics
// label requests by them).
func Paths() []string {
	var ps []string
	for _, e := range endpoints() {
		ps = append(ps, e.Path)
	}
	return ps
}

// OperationNames are the names of the GraphQL operations the endpoints run.
func OperationNames() []string {
	var ns []string
	for _, e := range endpoints() {
		// "query LegacyInfoByID($…" → LegacyInfoByID
		f := strings.FieldsFunc(e.Operation, func(r rune) bool { return r == ' ' || r == '(' || r == '{' || r == '\n' || r == '\t' })
		if len(f) > 1 {
			ns = append(ns, f[1])
		}
	}
	return ns
}
