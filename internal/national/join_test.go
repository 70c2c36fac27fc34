package national

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRegister(t *testing.T) {
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", HolderKeySize)))
	answer := map[string]any{"region": "51", "url": "http://127.0.0.1:8051", "keyIds": []string{"k1"}, "holderDigestKey": key}
	var got Registration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Variables struct{ Input Registration } }
		json.NewDecoder(r.Body).Decode(&req)
		got = req.Variables.Input
		if r.Header.Get(HeaderVia) != "51" || r.Header.Get(HeaderOnBehalfOf) != "node51@51" {
			t.Errorf("headers %v", r.Header)
		}
		writeGraphQL(w, map[string]any{"registerNode": answer})
	}))
	defer srv.Close()
	d := NewDispatcher(Settings{Mode: ModeNode, Region: "51", NationalURL: srv.URL, AccountID: "node51", Token: "t", PublicURL: "http://127.0.0.1:8051", Timeout: time.Second})
	d.Hub = func(context.Context) (Target, error) { return Target{Region: HubRegion, URL: srv.URL, Token: "t"}, nil }
	in := Registration{URL: "http://127.0.0.1:8051", SigningCertificatePem: "PEM", AccountID: "hubAt51", AccessToken: "secret"}
	j, dg, err := d.Register(context.Background(), in)
	if err != nil || j.Region != "51" || got != in {
		t.Fatalf("Register = %+v, %v; hub got %+v", j, err, got)
	}
	want, _ := NewHolderDigester([]byte(strings.Repeat("k", HolderKeySize)))
	if dg.Digest("X") != want.Digest("X") {
		t.Fatal("the digester does not use the hub's key")
	}
	for name, bad := range map[string]func(){
		"other region": func() { answer["region"] = "50" },
		"other url":    func() { answer["region"] = "51"; answer["url"] = "http://x" },
		"short key":    func() { answer["url"] = in.URL; answer["holderDigestKey"] = "AAAA" },
		"no keys":      func() { answer["holderDigestKey"] = key; answer["keyIds"] = []string{} },
	} {
		bad()
		if _, _, err := d.Register(context.Background(), in); err == nil || !strings.Contains(err.Error(), "nonsense") {
			t.Errorf("%s: %v", name, err)
		}
	}
	standalone := NewDispatcher(Settings{Mode: ModeNode, Region: "51", Timeout: time.Second})
	if _, _, err := standalone.Register(context.Background(), in); err == nil {
		t.Error("a node without a hub registered")
	}
}

func TestJoinLoop(t *testing.T) {
	var tries atomic.Int32
	joined := false
	err := JoinLoop(context.Background(), func(context.Context) error {
		if tries.Add(1) < 3 {
			return errors.New("hub down")
		}
		return nil
	}, func() { joined = true }, time.Millisecond, 4*time.Millisecond, quiet)
	if err != nil || !joined || tries.Load() != 3 {
		t.Fatalf("JoinLoop = %v, joined %v after %d tries", err, joined, tries.Load())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = JoinLoop(ctx, func(context.Context) error { return errors.New("down") }, func() { t.Fatal("joined") }, time.Millisecond, 2*time.Millisecond, quiet)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("JoinLoop with the hub down: %v", err)
	}
}
