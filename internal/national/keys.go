package national

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"certgraph/models"
)

// KeyDirectoryPrefix is where the hub publishes every region's signing
// certificates: {prefix}{region}.pem (current) and {prefix}{region}/{keyId}.pem.
const KeyDirectoryPrefix = "/.well-known/certgraph/keys/"

// KeyLookup returns the PEM signing certificate of region with keyID, or
// the current one when keyID is ""; an unknown one is a models ENOTFOUND error.
type KeyLookup func(ctx context.Context, region, keyID string) (string, error)

// ParseKeyPath reads a key directory path (after KeyDirectoryPrefix):
// "51.pem" or "51/k3x9.pem". ok is false for anything else.
func ParseKeyPath(rest string) (region, keyID string, ok bool) {
	name, found := strings.CutSuffix(rest, ".pem")
	if !found {
		return "", "", false
	}
	region, keyID, _ = strings.Cut(name, "/")
	if !ValidRegion(region) {
		return "", "", false
	}
	if strings.Contains(rest, "/") && !validKeyID(keyID) {
		return "", "", false
	}
	return region, keyID, true
}

func validKeyID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// KeyDirectoryHandler serves the key directory from lookup, so a relying
// party verifies any region's digitalSign offline. Mount it at
// "GET "+KeyDirectoryPrefix. A key by id never changes and is cached long;
// the current key briefly.
func KeyDirectoryHandler(lookup KeyLookup, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		region, keyID, ok := ParseKeyPath(strings.TrimPrefix(r.URL.Path, KeyDirectoryPrefix))
		if !ok {
			http.Error(w, "want "+KeyDirectoryPrefix+"{region}.pem or "+KeyDirectoryPrefix+"{region}/{keyId}.pem", http.StatusNotFound)
			return
		}
		pem, err := lookup(r.Context(), region, keyID)
		switch {
		case models.ErrorCode(err) == models.ENOTFOUND:
			http.Error(w, models.ErrorMessage(err), http.StatusNotFound)
			return
		case err != nil:
			log.ErrorContext(r.Context(), "key directory", "region", region, "keyId", keyID, "err", err)
			http.Error(w, "the key directory cannot answer now", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		if keyID != "" {
			w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		io.WriteString(w, pem)
	})
}
