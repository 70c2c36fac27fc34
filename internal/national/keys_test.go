package national

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"certgraph/models"
)

func TestKeyDirectory(t *testing.T) {
	lookup := func(_ context.Context, region, keyID string) (string, error) {
		switch {
		case region == "50" && (keyID == "" || keyID == "k2"):
			return "PEM-50-k2", nil
		case region == "50" && keyID == "k1":
			return "PEM-50-k1", nil
		case region == "99":
			return "", errors.New("database down")
		}
		return "", models.Errorf(models.ENOTFOUND, "no signing key %q for region %s", keyID, region)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+KeyDirectoryPrefix, KeyDirectoryHandler(lookup, quiet))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string]struct {
		status int
		body   string
		cache  string
	}{
		"50.pem":        {200, "PEM-50-k2", "public, max-age=60"},
		"50/k1.pem":     {200, "PEM-50-k1", "public, max-age=86400, immutable"},
		"50/k9.pem":     {404, "", ""},
		"44.pem":        {404, "", ""},
		"99.pem":        {503, "", ""},
		"5.pem":         {404, "", ""},
		"50/../00.pem":  {404, "", ""},
		"50/k1":         {404, "", ""},
		"50/a%2Fb.pem":  {404, "", ""},
		"50/k1/x.pem":   {404, "", ""},
		"signing-key.x": {404, "", ""},
	} {
		res, err := http.Get(srv.URL + KeyDirectoryPrefix + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want.status || want.status == 200 && (string(body) != want.body || res.Header.Get("Cache-Control") != want.cache || res.Header.Get("Content-Type") != "application/x-pem-file") {
			t.Errorf("%s: %d %q (%s)", path, res.StatusCode, body, res.Header.Get("Cache-Control"))
		}
	}
}
