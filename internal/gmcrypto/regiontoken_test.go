package gmcrypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRegionTokenRoundTrip(t *testing.T) {
	s, _ := NewSealer(10 * time.Minute)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tok, err := s.SealForRegion("50", realCertID, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "50") || !urlSafe.MatchString(tok) {
		t.Fatalf("token %q: want the region 50 in clear, then URL-safe base64", tok)
	}
	region, legacy, err := TokenRegion(tok)
	if err != nil || region != "50" || legacy {
		t.Fatalf("TokenRegion = %q, %v, %v; want 50, false, nil", region, legacy, err)
	}
	r, id, issued, legacy, err := s.OpenAnyRegion(tok, now.Add(time.Minute))
	if err != nil || r != "50" || id != realCertID || !issued.Equal(now) || legacy {
		t.Fatalf("OpenAnyRegion = %q %q %v %v %v", r, id, issued, legacy, err)
	}
	if id, _, err := s.OpenForRegion("50", tok, now); err != nil || id != realCertID {
		t.Fatalf("OpenForRegion(50) = %q, %v", id, err)
	}
	if _, _, err := s.OpenForRegion("51", tok, now); !errors.Is(err, ErrWrongRegion) {
		t.Fatalf("OpenForRegion(51) of a 50 token: %v, want ErrWrongRegion", err)
	}
	// The old form: no prefix, opens at its own node as before.
	old, _ := s.Seal(realCertID, now)
	if old[0] != 'A' {
		t.Fatalf("a version-1 token starts with %q, the format note says 'A'", old[0])
	}
	if region, legacy, err := TokenRegion(old); err != nil || region != "" || !legacy {
		t.Fatalf("TokenRegion(old) = %q, %v, %v", region, legacy, err)
	}
	if id, _, err := s.OpenForRegion("51", old, now); err != nil || id != realCertID {
		t.Fatalf("OpenForRegion(old) = %q, %v", id, err)
	}
	// The new form is no longer than the old one plus the prefix.
	if len(tok) != len(old)+2 {
		t.Errorf("region token %d characters, old %d: want exactly 2 more", len(tok), len(old))
	}
}

func TestRegionTokenPrefixIsBound(t *testing.T) {
	s, _ := NewSealer(time.Hour)
	now := time.Now()
	tok, _ := s.SealForRegion("50", realCertID, now)
	moved := "51" + tok[2:]
	if _, _, _, _, err := s.OpenAnyRegion(moved, now); !errors.Is(err, ErrTampered) {
		t.Fatalf("a token with its region prefix changed opened: %v", err)
	}
	// Dropping the prefix leaves a version-2 body, which is not a version-1 token.
	if _, _, err := TokenRegion(tok[2:]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a token without its prefix: %v, want ErrMalformed", err)
	}
	// A version-1 body behind a prefix is refused before any key is tried.
	old, _ := s.Seal(realCertID, now)
	if _, _, err := TokenRegion("50" + old); !errors.Is(err, ErrMalformed) {
		t.Fatalf("prefix + version-1 body: %v, want ErrMalformed", err)
	}
}

func TestRegionTokenErrors(t *testing.T) {
	s, _ := NewSealer(time.Minute)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, r := range []string{"", "5", "5a", "510"} {
		if _, err := s.SealForRegion(r, realCertID, now); err == nil {
			t.Errorf("SealForRegion(%q) accepted a bad region", r)
		}
	}
	tok, _ := s.SealForRegion("00", realCertID, now)
	if _, _, _, _, err := s.OpenAnyRegion(tok, now.Add(2*time.Minute)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired region token: %v", err)
	}
	other, _ := NewSealer(time.Minute)
	if _, _, _, _, err := other.OpenAnyRegion(tok, now); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("foreign key: %v", err)
	}
	for _, bad := range []string{"", "50", "50!!", "50AQ", strings.Repeat("5", maxTokenChars+1)} {
		if _, _, err := TokenRegion(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("TokenRegion(%q): %v, want ErrMalformed", bad, err)
		}
	}
}

func FuzzRegionToken(f *testing.F) {
	s, _ := NewSealer(time.Hour)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tok, _ := s.SealForRegion("51", realCertID, now)
	old, _ := s.Seal(realCertID, now)
	f.Add(tok)
	f.Add(old)
	f.Add("51")
	f.Add("00AgQ")
	f.Fuzz(func(t *testing.T, tok string) {
		region, id, _, legacy, err := s.OpenAnyRegion(tok, now)
		if err == nil && (id != realCertID || (!legacy && region != "51")) {
			t.Fatalf("forged token %q opened to %q at %q", tok, id, region)
		}
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrTampered) && !errors.Is(err, ErrExpired) {
			t.Fatalf("error %v is none of the sentinels", err)
		}
	})
}

func TestSecretBox(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateSecretBox(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecretBox(dir) // a second process sharing the key dir
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := a.Seal([]byte("token-of-region-50"), []byte("50"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("token-of-region-50")) {
		t.Fatal("the sealed secret contains the clear text")
	}
	got, err := b.Open(sealed, []byte("50"))
	if err != nil || string(got) != "token-of-region-50" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed, []byte("51")); !errors.Is(err, ErrTampered) {
		t.Fatalf("opened under another row's binding: %v", err)
	}
	if _, err := b.Open(sealed[:10], []byte("50")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated: %v", err)
	}
	other, _ := LoadOrCreateSecretBox(t.TempDir())
	if _, err := other.Open(sealed, []byte("50")); !errors.Is(err, ErrTampered) {
		t.Fatalf("another key opened it: %v", err)
	}
	if _, err := NewSecretBox(make([]byte, 15)); err == nil {
		t.Fatal("a 15-byte key was accepted")
	}
}
