// Package web is the node's HTTP surface other than GraphQL itself: layout
// file downloads, the public verification page, the well-known signing
// key, health and readiness, metrics, and the credentials middleware in
// front of GraphQL. Handlers decode the request, call plain Go (the
// resolvers' exported operations) and map domain errors to HTTP statuses,
// here and only here.
package web

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"certgraph/internal/keys"
	"certgraph/internal/store"
	"certgraph/models"
	"certgraph/resolvers"
)

// WellKnownKeyPath is where the platform's public key is published.
const WellKnownKeyPath = resolvers.WellKnownKeyPath

// Downloader opens download links; *resolvers.Resolver is one.
type Downloader interface {
	Download(ctx context.Context, token string) (*models.CertificateFile, *models.Certificate, error)
}

// Verifier answers the public verification page; *resolvers.Resolver is one.
type Verifier interface {
	VerifyPublic(ctx context.Context, token string) (*resolvers.PublicVerification, error)
}

// Server holds what the non-GraphQL handlers need.
type Server struct {
	Files    Downloader
	Verifier Verifier
	Keys     *keys.Trust
	// Ready reports whether the node can serve (database up, schema current).
	Ready func(ctx context.Context) error
	// Metrics serves /metrics; nil when it is served on a separate admin
	// listener instead (see Admin).
	Metrics http.Handler
	Log     *slog.Logger
}

// Register mounts the handlers on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /files/", s.download)
	mux.HandleFunc("GET /v/", s.publicVerify)
	mux.HandleFunc("GET "+WellKnownKeyPath, s.publicKey)
	s.registerHealth(mux)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics)
	}
}

// Admin is the handler of the separate admin listener: /metrics, /healthz
// and /readyz, nothing public.
func (s *Server) Admin(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	s.registerHealth(mux)
	mux.Handle("GET /metrics", metrics)
	return mux
}

// registerHealth mounts /healthz (the process answers) and /readyz (the
// database answers and its schema is current).
func (s *Server) registerHealth(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// downloadStatus maps the domain's refusals of a download to HTTP.
var downloadStatus = map[string]int{
	models.EFORBIDDEN:   http.StatusForbidden,
	models.ENOTFOUND:    http.StatusGone,
	models.EUNAVAILABLE: http.StatusServiceUnavailable,
}

// download serves GET /files/{token}: the layout file a download link names.
func (s *Server) download(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	f, c, err := s.Files.Download(ctx, strings.TrimPrefix(req.URL.Path, "/files/"))
	if err != nil {
		code := models.ErrorCode(err)
		if store.Unavailable(err) {
			// The database did not answer: a fault of the moment (503), as
			// GraphQL answers it with UNAVAILABLE.
			code, err = models.EUNAVAILABLE, models.Errorf(models.EUNAVAILABLE, "the database does not answer; try again later")
		}
		status, ok := downloadStatus[code]
		if !ok {
			s.Log.ErrorContext(ctx, "file download", "err", err)
			status = http.StatusInternalServerError
		}
		http.Error(w, models.ErrorMessage(err), status)
		return
	}
	w.Header().Set("Content-Type", f.Format.ContentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Content)))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", safeFileName(c.ID)+"."+string(f.Format)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if sum, err := hex.DecodeString(f.SHA256); err == nil {
		w.Header().Set("Digest", "sha-256="+base64.StdEncoding.EncodeToString(sum))
	}
	w.Write(f.Content)
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') {
			return r
		}
		return '_'
	}, s)
}

// publicKey serves the platform's SM2 public key and certificate (PEM) at a
// well-known URL, for relying parties verifying digitalSign offline.
func (s *Server) publicKey(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(s.Keys.Keys.PublicKeyPEM())
	w.Write(s.Keys.Keys.CertificatePEM())
}
