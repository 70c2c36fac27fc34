package national

import (
	"errors"
	"strings"
	"testing"
)

func TestHolderDigest(t *testing.T) {
	key := make([]byte, HolderKeySize)
	d, err := NewHolderDigester(key)
	if err != nil {
		t.Fatal(err)
	}
	a := d.Digest("11010519491231002X")
	if len(a) != 64 || !isHex(a, 64) || strings.Contains(a, "110105") {
		t.Fatalf("digest %q", a)
	}
	if d.Digest(" 11010519491231002x ") != a {
		t.Fatal("normalisation differs between publisher and hub")
	}
	key2 := make([]byte, HolderKeySize)
	key2[0] = 1
	d2, _ := NewHolderDigester(key2)
	if d2.Digest("11010519491231002X") == a {
		t.Fatal("the digest does not depend on the key")
	}
	if d.Digest("11010519491231003X") == a {
		t.Fatal("two codes share a digest")
	}
	if _, err := NewHolderDigester(make([]byte, 16)); err == nil {
		t.Fatal("a short key was accepted")
	}
	// HMAC-SM3 known answer, computed independently with OpenSSL 3:
	// printf ABC | openssl dgst -sm3 -mac HMAC -macopt hexkey:00…00 (32 zero bytes).
	if got := d.Digest("abc"); got != "fb98b7484d4b00f76b5ac57c0e957da2597ce6bd08654894bc358d56b353fa5b" {
		t.Fatalf("digest %s is not HMAC-SM3 of the upper-cased code", got)
	}
}

func entry(t *testing.T, region string, serial int, version int64) Entry {
	d, _ := NewHolderDigester(make([]byte, HolderKeySize))
	return Entry{ID: certID(t, region, serial), TypeCode: testType, HolderType: "111", HolderDigest: d.Digest("11010519491231002X"),
		IssueDate: "2024-01-02", ValidFrom: "2024-01-02", Version: version}
}

func TestValidateBatch(t *testing.T) {
	good := []Entry{entry(t, "51", 1, 1), entry(t, "51", 2, 3)}
	if err := ValidateBatch("51", good); err != nil {
		t.Fatal(err)
	}
	foreign := append(append([]Entry{}, good...), entry(t, "50", 3, 1))
	var be *BatchError
	if err := ValidateBatch("51", foreign); !errors.As(err, &be) || be.Index != 2 || !strings.Contains(err.Error(), "entry 3") || !strings.Contains(err.Error(), "region 50") {
		t.Fatalf("foreign entry: %v", err)
	}
	mutate := map[string]func(*Entry){
		"bad id":           func(e *Entry) { e.ID = "1.2.156.3005.2.x" },
		"version 0":        func(e *Entry) { e.Version = 0 },
		"type mismatch":    func(e *Entry) { e.TypeCode = "11100000000013338W001" },
		"holder in clear":  func(e *Entry) { e.HolderDigest = "11010519491231002X" },
		"holder type":      func(e *Entry) { e.HolderType = "1" },
		"issue date":       func(e *Entry) { e.IssueDate = "2024年1月2日" },
		"valid from":       func(e *Entry) { e.ValidFrom = "" },
		"valid until":      func(e *Entry) { e.ValidUntil = "2023-01-01" },
		"valid until text": func(e *Entry) { e.ValidUntil = "长期" },
		"file sm3":         func(e *Entry) { e.FileSM3 = "ABC" },
	}
	for name, m := range mutate {
		e := entry(t, "51", 9, 1)
		m(&e)
		if err := ValidateBatch("51", []Entry{good[0], e}); !errors.As(err, &be) || be.Index != 1 {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A deletion needs only its id, type and version.
	del := Entry{ID: certID(t, "51", 4), TypeCode: testType, Version: 2, Deleted: true}
	if err := ValidateBatch("51", []Entry{del}); err != nil {
		t.Errorf("deletion: %v", err)
	}
	for name, err := range map[string]error{
		"empty":   ValidateBatch("51", nil),
		"hub":     ValidateBatch(HubRegion, good),
		"nobody":  ValidateBatch("", good),
		"too big": ValidateBatch("51", make([]Entry, MaxBatch+1)),
	} {
		if !errors.As(err, &be) || be.Index != -1 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVersionRules(t *testing.T) {
	old := entry(t, "51", 1, 2)
	newer := old
	newer.Version = 3
	if !Supersedes(nil, old) || !Supersedes(&old, newer) || Supersedes(&newer, old) || Supersedes(&old, old) {
		t.Fatal("the higher version must win, an equal one change nothing")
	}
	other := entry(t, "51", 2, 1)
	got := Collapse([]Entry{old, other, newer, old})
	if len(got) != 2 || got[0].Version != 3 || got[1].ID != other.ID {
		t.Fatalf("Collapse = %+v", got)
	}
}

func TestSummarize(t *testing.T) {
	a := Summarize([]Version{{"b", 1}, {"a", 2}})
	b := Summarize([]Version{{"a", 2}, {"b", 1}})
	if a != b || a.Count != 2 || len(a.Digest) != 64 {
		t.Fatalf("order changed the summary: %+v %+v", a, b)
	}
	if Summarize([]Version{{"a", 3}, {"b", 1}}) == a {
		t.Fatal("a version change left the summary alike")
	}
	if Summarize(nil).Count != 0 {
		t.Fatal("empty summary")
	}
}
