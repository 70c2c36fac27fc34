package ofd

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"certgraph/internal/bombs"
)

const (
	testOFDXML     = bombs.OFDXML
	testSignatures = bombs.SignaturesXML
)

// bombPackage is bombs.ZipOFD for a test.
func bombPackage(t testing.TB, n int, size int64, refs int) []byte {
	t.Helper()
	b, err := bombs.ZipOFD(n, size, refs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipOf is bombs.Zip for a test.
func zipOf(t testing.TB, buf *bytes.Buffer, zw *zip.Writer, files map[string]string) []byte {
	t.Helper()
	b, err := bombs.Zip(buf, zw, files)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// xmlPackage is a package with OFD.xml and Signatures.xml as given.
func xmlPackage(t testing.TB, ofdXML, signatures string) []byte {
	var buf bytes.Buffer
	return zipOf(t, &buf, zip.NewWriter(&buf), map[string]string{"OFD.xml": ofdXML, "Doc_0/Signs/Signatures.xml": signatures})
}

// fuzzLimits are small budgets so the fuzzer reaches every refusal quickly
// and the committed bombs stay a few kilobytes.
var fuzzLimits = Limits{MaxEntries: 64, MaxEntrySize: 256 << 10, MaxTotalSize: 1 << 20, MaxXMLSize: 64 << 10,
	MaxXMLDepth: 32, MaxXMLTokens: 2_000, MaxXMLAttrs: 16, MaxSignatures: 8}

// ofdBombs are small hostile packages and the budget each exceeds under fuzzLimits.
func ofdBombs(t testing.TB) map[string]struct {
	data   []byte
	budget string
} {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><ofd:OFD>&lol2;</ofd:OFD>`
	manyEntries := func() []byte {
		var buf bytes.Buffer
		files := map[string]string{"OFD.xml": testOFDXML}
		for i := range 70 {
			files[fmt.Sprintf("f%d", i)] = ""
		}
		return zipOf(t, &buf, zip.NewWriter(&buf), files)
	}
	sigs := `<ofd:Signatures>` + strings.Repeat(`<ofd:Signature BaseLoc="Sign_0/Signature.xml"/>`, 9) + `</ofd:Signatures>`
	attrs := `<ofd:OFD`
	for i := range 17 {
		attrs += fmt.Sprintf(` a%d="1"`, i)
	}
	attrs += `/>`
	return map[string]struct {
		data   []byte
		budget string
	}{
		"zip-total":       {bombPackage(t, 6, 200<<10, 1), "MaxTotalSize"},
		"zip-entry":       {bombPackage(t, 1, 300<<10, 1), "MaxEntrySize"},
		"zip-rereads":     {bombPackage(t, 1, 200<<10, 8), "MaxTotalSize"},
		"zip-entries":     {manyEntries(), "MaxEntries"},
		"billion-laughs":  {xmlPackage(t, laughs, testSignatures), "DTD"},
		"xml-deep":        {xmlPackage(t, strings.Repeat("<a>", 40)+strings.Repeat("</a>", 40), testSignatures), "MaxXMLDepth"},
		"xml-attrs":       {xmlPackage(t, attrs, testSignatures), "MaxXMLAttrs"},
		"xml-tokens":      {xmlPackage(t, "<a>"+strings.Repeat("<b/>", 2_100)+"</a>", testSignatures), "MaxXMLTokens"},
		"xml-large":       {xmlPackage(t, "<a>"+strings.Repeat(" ", 70<<10)+"</a>", testSignatures), "MaxXMLSize"},
		"many-signatures": {xmlPackage(t, testOFDXML, sigs), "MaxSignatures"},
	}
}

func TestBombsAreRefused(t *testing.T) {
	for name, b := range ofdBombs(t) {
		_, err := VerifyWithOptions(b.data, VerifyOptions{Limits: fuzzLimits})
		var le *LimitError
		if !errors.As(err, &le) || le.Budget != b.budget || !errors.Is(err, ErrLimit) {
			t.Errorf("%s: want a refusal for %s, got %v", name, b.budget, err)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
}

func TestDefaultBudgetsAtFullSize(t *testing.T) {
	cases := map[string]struct {
		data   []byte
		budget string
	}{
		"20 files of 30 MiB (784 KB)":        {bombPackage(t, 20, 30<<20, 1), "MaxTotalSize"},
		"one file of 1 GiB":                  {bombPackage(t, 1, 1<<30, 1), "MaxEntrySize"},
		"two 30 MiB files read 100 times":    {bombPackage(t, 2, 30<<20, 100), "MaxTotalSize"},
		"XML nested 300 deep":                {xmlPackage(t, strings.Repeat("<a>", 300), testSignatures), "MaxXMLDepth"},
		"Signatures.xml listing 100 of them": {xmlPackage(t, testOFDXML, `<ofd:Signatures>`+strings.Repeat(`<ofd:Signature BaseLoc="S.xml"/>`, 100)+`</ofd:Signatures>`), "MaxSignatures"},
	}
	for name, c := range cases {
		_, err := Verify(c.data)
		var le *LimitError
		if !errors.As(err, &le) || le.Budget != c.budget {
			t.Errorf("%s: want a refusal for %s, got %v", name, c.budget, err)
			continue
		}
		t.Logf("%s (%d bytes): %v", name, len(c.data), err)
	}
	// Seal shares the package reader and its budgets.
	if _, err := Seal(bombPackage(t, 20, 30<<20, 1), newSigner(t, "x")); !errors.Is(err, ErrLimit) {
		t.Errorf("Seal of a zip bomb: want ErrLimit, got %v", err)
	}
}

// The reference packages verify as before within the fuzz budgets.
func TestReferenceFilesWithinSmallBudgets(t *testing.T) {
	for _, name := range []string{"DigitalSign.ofd", "SESV4SignDoc.ofd", "allprotected.ofd", "helloworld.ofd", "v4signed.ofd"} {
		data := readTestdata(t, name)
		want, err := VerifyWithOptions(data, VerifyOptions{Now: refNow})
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyWithOptions(data, VerifyOptions{Now: refNow, Limits: fuzzLimits})
		if err != nil || got.Detail != want.Detail || got.Valid != want.Valid {
			t.Errorf("%s: within fuzz budgets %v %+v, with defaults %+v", name, err, got, want)
		}
	}
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzVerify/bomb-* from ofdBombs")

// TestFuzzCorpusHasBombs keeps the committed fuzz corpus in step with
// ofdBombs (go test ./internal/ofd -run TestFuzzCorpusHasBombs -update-corpus).
func TestFuzzCorpusHasBombs(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	for name, b := range ofdBombs(t) {
		file := filepath.Join(dir, "bomb-"+name)
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b.data)) + ")\n"
		if *updateCorpus {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(file); err != nil || string(got) != want {
			t.Errorf("%s is missing or stale: go test ./internal/ofd -run TestFuzzCorpusHasBombs -update-corpus", file)
		}
	}
}

// FuzzVerify feeds arbitrary bytes to the OFD zip and XML readers through
// verification: each input must be answered or refused with a documented
// error, within budget, never panic.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{"DigitalSign.ofd", "helloworld.ofd", "v4signed.ofd"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := VerifyWithOptions(data, VerifyOptions{Now: refNow, Limits: fuzzLimits})
		switch {
		case err == nil && res == nil:
			t.Fatal("nil result without an error")
		case err != nil && !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotZip) && !errors.Is(err, ErrNotOFD) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit):
			t.Fatalf("undocumented error: %v", err)
		}
	})
}
