package gmcrypto

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const realCertID = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func TestSealOpenRoundTrip(t *testing.T) {
	s, err := NewSealer(10 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{
		realCertID,
		"1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
		"ABC.123",                            // packed without root
		"local-cert-0001",                    // raw (lower case and dash)
		"川A证照/2024/第1号",                      // raw UTF-8
		"1.2.156.3005.2.x",                   // root but not packable
		"1",                                  // one character
		strings.Repeat("1.2.156.3005.2.", 2), // root followed by a dotted body
	} {
		tok, err := s.Seal(id, now)
		if err != nil {
			t.Fatalf("Seal(%q): %v", id, err)
		}
		if !urlSafe.MatchString(tok) {
			t.Fatalf("token %q is not URL-safe base64 without padding", tok)
		}
		got, issued, err := s.Open(tok, now.Add(time.Minute))
		if err != nil {
			t.Fatalf("Open(Seal(%q)): %v", id, err)
		}
		if got != id || !issued.Equal(now) {
			t.Fatalf("Open = %q, %v; want %q, %v", got, issued, id, now)
		}
	}
	// Two seals of the same identifier differ (random nonce).
	a, _ := s.Seal(realCertID, now)
	b, _ := s.Seal(realCertID, now)
	if a == b {
		t.Fatal("two tokens for the same identifier are identical")
	}
}

func TestTokenIsShort(t *testing.T) {
	s, _ := NewSealer(time.Hour)
	id := "1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023000040312.001.U" // 75 characters
	tok, err := s.Seal(id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) >= 120 {
		t.Fatalf("token for a %d-character identifier is %d characters, want < 120: %s", len(id), len(tok), tok)
	}
	t.Logf("%d-character identifier → %d-character token", len(id), len(tok))
	// Even a raw (unpackable) 70-character identifier stays reasonable.
	raw := strings.Repeat("a", 70)
	tok, _ = s.Seal(raw, time.Now())
	if len(tok) > 160 {
		t.Fatalf("raw 70-character identifier → %d characters", len(tok))
	}
}

func TestOpenExpiry(t *testing.T) {
	s, _ := NewSealer(5 * time.Minute)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tok, _ := s.Seal(realCertID, now)
	if _, _, err := s.Open(tok, now.Add(5*time.Minute)); err != nil {
		t.Fatalf("at exactly the lifetime: %v", err)
	}
	_, _, err := s.Open(tok, now.Add(5*time.Minute+time.Second))
	if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "lifetime 5m0s") {
		t.Fatalf("after the lifetime: %v, want ErrExpired with detail", err)
	}
	// Issued in the future: within the skew is fine, beyond it is not.
	if _, _, err := s.Open(tok, now.Add(-DefaultClockSkew)); err != nil {
		t.Fatalf("within clock skew: %v", err)
	}
	if _, _, err := s.Open(tok, now.Add(-DefaultClockSkew-time.Second)); !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "future") {
		t.Fatalf("beyond clock skew: %v, want ErrExpired (future)", err)
	}
	s.SetClockSkew(0)
	if _, _, err := s.Open(tok, now.Add(-time.Second)); !errors.Is(err, ErrExpired) {
		t.Fatalf("skew 0: %v", err)
	}
}

func TestOpenMalformed(t *testing.T) {
	s, _ := NewSealer(time.Hour)
	now := time.Now()
	tok, _ := s.Seal(realCertID, now)
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	wrongVersion := append([]byte{2}, raw[1:]...)
	zeroKid := append([]byte{1, 0}, raw[2:]...)
	cases := map[string]string{
		"empty":         "",
		"bad base64":    tok[:10] + "!" + tok[11:],
		"padded":        tok + "==",
		"std alphabet":  strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+/",
		"truncated":     tok[:20],
		"one byte":      "AQ",
		"wrong version": base64.RawURLEncoding.EncodeToString(wrongVersion),
		"zero kid":      base64.RawURLEncoding.EncodeToString(zeroKid),
		"huge":          strings.Repeat("A", 5000),
	}
	for name, in := range cases {
		_, _, err := s.Open(in, now)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	// Non-canonical trailing bits are rejected, so a token has one spelling.
	last := tok[len(tok)-1]
	alt := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last) ^ 1
	twin := tok[:len(tok)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[alt])
	if len(raw)%3 != 0 {
		if _, _, err := s.Open(twin, now); err == nil {
			t.Error("token with altered trailing bits opened")
		}
	}
}

func TestOpenTampered(t *testing.T) {
	s, _ := NewSealer(time.Hour)
	now := time.Now()
	tok, _ := s.Seal(realCertID, now)
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	kidEnd := 2 + int(raw[1])
	// Flip one bit in every byte after the key id (nonce, ciphertext, tag).
	for i := kidEnd; i < len(raw); i++ {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0x10
		_, _, err := s.Open(base64.RawURLEncoding.EncodeToString(bad), now)
		if !errors.Is(err, ErrTampered) {
			t.Fatalf("byte %d flipped: %v, want ErrTampered", i, err)
		}
	}
	// A different Sealer that happens to use the same key id.
	other, _ := NewSealer(time.Hour)
	other.mu.Lock()
	k := other.keys[other.active]
	delete(other.keys, k.ID)
	k.ID = s.ActiveKeyID()
	other.keys[k.ID], other.active = k, k.ID
	other.mu.Unlock()
	if _, _, err := other.Open(tok, now); !errors.Is(err, ErrTampered) {
		t.Fatalf("same kid, other key: %v, want ErrTampered", err)
	}
}

func TestOpenUnknownKey(t *testing.T) {
	a, _ := NewSealer(time.Hour)
	b, _ := NewSealer(time.Hour)
	now := time.Now()
	tok, _ := a.Seal(realCertID, now)
	if _, _, err := b.Open(tok, now); !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), a.ActiveKeyID()) {
		t.Fatalf("got %v, want ErrUnknownKey naming %q", err, a.ActiveKeyID())
	}
}

func TestRotationAndRemoval(t *testing.T) {
	dir := t.TempDir()
	s, err := LoadOrCreateSealer(dir, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, SealerKeyFileName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key ring file: %v, mode %v", err, info.Mode())
	}
	now := time.Now()
	oldKid := s.ActiveKeyID()
	oldTok, _ := s.Seal(realCertID, now)

	newKid, err := s.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if newKid == oldKid || s.ActiveKeyID() != newKid || len(s.KeyIDs()) != 2 {
		t.Fatalf("after Rotate: active %q, keys %v", s.ActiveKeyID(), s.KeyIDs())
	}
	newTok, _ := s.Seal(realCertID, now)
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		if id, _, err := s.Open(tok, now); err != nil || id != realCertID {
			t.Fatalf("%s token after rotation: %q, %v", name, id, err)
		}
	}

	// Another process loading the same directory sees both keys and the new active one.
	s2, err := LoadOrCreateSealer(dir, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s2.ActiveKeyID() != newKid {
		t.Fatalf("reloaded active key %q, want %q", s2.ActiveKeyID(), newKid)
	}
	for _, tok := range []string{oldTok, newTok} {
		if _, _, err := s2.Open(tok, now); err != nil {
			t.Fatalf("reloaded sealer: %v", err)
		}
	}

	if err := s.RemoveKey(newKid); err == nil {
		t.Fatal("removed the active key")
	}
	if err := s.RemoveKey("nope"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("removing unknown key: %v", err)
	}
	if err := s.RemoveKey(oldKid); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(oldTok, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("token of removed key: %v, want ErrUnknownKey", err)
	}
	// The removal was persisted; s2 picks it up on Reload.
	if err := s2.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.Open(oldTok, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after Reload, token of removed key: %v", err)
	}
	if _, _, err := s2.Open(newTok, now); err != nil {
		t.Fatalf("after Reload, new token: %v", err)
	}
}

func TestPruneKeys(t *testing.T) {
	s, _ := NewSealer(time.Hour)
	first := s.ActiveKeyID()
	if _, err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.PruneKeys(time.Now()); len(ids) != 0 {
		t.Fatalf("pruned %v before the lifetime passed", ids)
	}
	ids, err := s.PruneKeys(time.Now().Add(time.Hour + DefaultClockSkew + time.Minute))
	if err != nil || len(ids) != 1 || ids[0] != first {
		t.Fatalf("PruneKeys = %v, %v; want [%s]", ids, err, first)
	}
	if len(s.KeyIDs()) != 1 {
		t.Fatalf("keys left: %v", s.KeyIDs())
	}
}

func TestLoadOrCreateSealerRejectsBadFiles(t *testing.T) {
	for name, content := range map[string]string{
		"not json":      "{",
		"no active":     `{"active":"x","keys":[]}`,
		"short key":     `{"active":"a","keys":[{"kid":"a","key":"AAEC","created":"2024-01-01T00:00:00Z"}]}`,
		"duplicate kid": `{"active":"a","keys":[{"kid":"a","key":"AAAAAAAAAAAAAAAAAAAAAA==","created":"2024-01-01T00:00:00Z"},{"kid":"a","key":"AAAAAAAAAAAAAAAAAAAAAA==","created":"2024-01-01T00:00:00Z"}]}`,
		"kid too long":  `{"active":"aaaaaaaaaaaaaaaaa","keys":[{"kid":"aaaaaaaaaaaaaaaaa","key":"AAAAAAAAAAAAAAAAAAAAAA==","created":"2024-01-01T00:00:00Z"}]}`,
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, SealerKeyFileName), []byte(content), 0o600)
		if _, err := LoadOrCreateSealer(dir, time.Hour); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := LoadOrCreateSealer(t.TempDir(), 0); err == nil {
		t.Error("zero lifetime accepted")
	}
}

func TestSealRejectsBadInput(t *testing.T) {
	s, _ := NewSealer(time.Hour)
	if _, err := s.Seal("", time.Now()); err == nil {
		t.Error("empty identifier sealed")
	}
	if _, err := s.Seal("\xff", time.Now()); err == nil {
		t.Error("invalid UTF-8 sealed")
	}
	if _, err := s.Seal(realCertID, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("issue time beyond 2106 sealed")
	}
}

func FuzzPack(f *testing.F) {
	f.Add(realCertID)
	f.Add("A.B")
	f.Add("")
	f.Add("1.2.156.3005.2.")
	f.Fuzz(func(t *testing.T, id string) {
		enc, payload := encodeID(id)
		got, err := decodeID(enc, payload)
		if err != nil || got != id {
			t.Fatalf("decode(encode(%q)) = %q, %v", id, got, err)
		}
		if enc != encRaw && len(payload) > len(id) {
			t.Fatalf("packing grew %q to %d bytes", id, len(payload))
		}
	})
}

func FuzzOpen(f *testing.F) {
	s, _ := NewSealer(time.Hour)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tok, _ := s.Seal(realCertID, now)
	f.Add(tok)
	f.Add("")
	f.Add("AQQ")
	f.Fuzz(func(t *testing.T, tok string) {
		id, _, err := s.Open(tok, now)
		if err == nil && id != realCertID {
			t.Fatalf("forged token %q opened to %q", tok, id)
		}
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrTampered) && !errors.Is(err, ErrExpired) {
			t.Fatalf("error %v is none of the sentinels", err)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	kp, err := LoadOrCreate(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte(realCertID)
	for b.Loop() {
		if _, err := kp.Sign(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	kp, err := LoadOrCreate(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte(realCertID)
	sig, _ := kp.Sign(msg)
	pub := kp.PublicKey()
	for b.Loop() {
		if !Verify(pub, msg, sig) {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	s, _ := NewSealer(time.Hour)
	now := time.Now()
	for b.Loop() {
		if _, err := s.Seal(realCertID, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s, _ := NewSealer(time.Hour)
	now := time.Now()
	tok, _ := s.Seal(realCertID, now)
	for b.Loop() {
		if _, _, err := s.Open(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeIDRejectsNonCanonical(t *testing.T) {
	group := func(a, b, c int) []byte { v := (a*packBase+b)*packBase + c; return []byte{byte(v >> 8), byte(v)} }
	for name, p := range map[string][]byte{
		"odd length":      {1, 2, 3},
		"out of range":    {0xff, 0xff},
		"pad first":       group(packPad, 1, 2),
		"pad in middle":   group(1, packPad, 2),
		"group after pad": append(group(1, 2, packPad), group(1, 2, 3)...),
		"all padding":     group(packPad, packPad, packPad),
	} {
		if _, err := decodeID(encPacked, p); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if _, err := decodeID(9, nil); err == nil {
		t.Error("unknown encoding decoded")
	}
	if got, err := decodeID(encPackedRoot, group(10, packPad, packPad)); err != nil || got != "1.2.156.3005.2.A" {
		t.Errorf("one-character body: %q, %v", got, err)
	}
}

func TestSealerConcurrentUse(t *testing.T) {
	s, err := LoadOrCreateSealer(t.TempDir(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	done := make(chan error, 4)
	for g := 0; g < 3; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				tok, err := s.Seal(realCertID, now)
				if err == nil {
					_, _, err = s.Open(tok, now)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := 0; i < 5; i++ {
			if _, err := s.Rotate(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if len(s.KeyIDs()) != 6 {
		t.Fatalf("keys after 5 rotations: %v", s.KeyIDs())
	}
}
