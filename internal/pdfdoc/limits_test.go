package pdfdoc

import (
	"bytes"
	"compress/zlib"
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

// testPDF is bombs.PDF: numbered object bodies with a correct xref table.
func testPDF(objs []string, trailer string) []byte { return bombs.PDF(objs, trailer) }

func deflate(b []byte) []byte {
	var out bytes.Buffer
	w, _ := zlib.NewWriterLevel(&out, zlib.BestCompression)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// compressedPDF keeps the catalog, the form and a signature field in a
// compressed object stream indexed by a PNG-predicted xref stream, as
// current writers do; extra is appended to the object stream's content.
func compressedPDF(extra []byte) []byte {
	inStream := []string{
		"<< /Type /Catalog /AcroForm 2 0 R >>",
		"<< /Fields [3 0 R 3 0 R] >>",
		"<< /FT /Sig /T (Signature1) /V 4 0 R /Kids [3 0 R] >>",
	}
	var head, body bytes.Buffer
	for i, o := range inStream {
		fmt.Fprintf(&head, "%d %d ", i+1, body.Len())
		body.WriteString(o + "\n")
	}
	content := append(append(head.Bytes(), body.Bytes()...), extra...)
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	off4 := b.Len()
	b.WriteString("4 0 obj\n<< /Type /Sig /Name (Zhang San) /Reason <FEFF75355B50> /SubFilter /adbe.pkcs7.detached /ByteRange [0 10 20 30] >>\nendobj\n")
	off5 := b.Len()
	zs := deflate(content)
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n", head.Len(), len(zs))
	b.Write(zs)
	b.WriteString("\nendstream\nendobj\n")
	off6 := b.Len()
	type row struct {
		t, f2, f3 int
	}
	rows := []row{{0, 0, 65535}, {2, 5, 0}, {2, 5, 1}, {2, 5, 2}, {1, off4, 0}, {1, off5, 0}, {1, off6, 0}}
	var raw bytes.Buffer
	prev := make([]byte, 7)
	for _, r := range rows {
		cur := []byte{byte(r.t), byte(r.f2 >> 24), byte(r.f2 >> 16), byte(r.f2 >> 8), byte(r.f2), byte(r.f3 >> 8), byte(r.f3)}
		raw.WriteByte(2) // PNG Up
		for i := range cur {
			raw.WriteByte(cur[i] - prev[i])
		}
		prev = cur
	}
	zx := deflate(raw.Bytes())
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> /Length %d >>\nstream\n", len(zx))
	b.Write(zx)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off6)
	return b.Bytes()
}

func TestParserReadsCompressedStructure(t *testing.T) {
	dicts, err := signatureDicts(compressedPDF(nil), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dicts) != 1 {
		t.Fatalf("want the one signature field once (shared and cyclic Kids visited once), got %d", len(dicts))
	}
	d := dicts[0]
	if d.name != "Zhang San" || d.reason != "电子" || d.subFilter != "adbe.pkcs7.detached" || !d.hasRange || d.br != [4]int64{0, 10, 20, 30} {
		t.Fatalf("parsed %+v", d)
	}
}

func TestParserAgreesOnSignedFile(t *testing.T) {
	signed, s := buildSigned(t)
	dicts, err := signatureDicts(signed, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dicts) != 1 || dicts[0].name != s.Name || dicts[0].reason != s.Reason || dicts[0].location != s.Location || !dicts[0].hasRange {
		t.Fatalf("parsed %+v", dicts)
	}
}

// nestedCMSPDF is a PDF with one ByteRange whose signature value is depth
// nested indefinite-length BER sequences.
func nestedCMSPDF(depth int) []byte {
	hex := strings.Repeat("3080", depth) + strings.Repeat("0000", depth)
	head := "%PDF-1.7\n1 0 obj\n<< /Type /Sig /ByteRange [0 AAAAAAAAAA BBBBBBBBBB CCCCCCCCCC] /Contents "
	tail := " >>\nendobj\ntrailer\n<< /Size 2 >>\n%%EOF\n"
	a := len(head)
	b := a + 2 + len(hex)
	total := len(head) + len(hex) + 2 + len(tail)
	head = strings.Replace(head, "AAAAAAAAAA", fmt.Sprintf("%010d", a), 1)
	head = strings.Replace(head, "BBBBBBBBBB", fmt.Sprintf("%010d", b), 1)
	head = strings.Replace(head, "CCCCCCCCCC", fmt.Sprintf("%010d", total-b), 1)
	return []byte(head + "<" + hex + ">" + tail)
}

// pdfBombs are small hostile PDFs, each exceeding one budget of fuzzLimits
// (and most of DefaultLimits too).
func pdfBombs() map[string][]byte {
	many := testPDF([]string{"<< >>"}, "/Root 1 0 R")
	for i := range 70 {
		many = append(many, fmt.Sprintf("/ByteRange [0 %d 2 3]\n", i)...)
	}
	kids := []string{"<< /AcroForm << /Fields [2 0 R] >> >>"}
	for i := 2; i < 40; i++ {
		kids = append(kids, fmt.Sprintf("<< /Kids [%d 0 R %d 0 R] >>", i+1, i+1))
	}
	kids = append(kids, "<< /FT /Sig /V << >> >>")
	return map[string][]byte{
		"nested-arrays":      testPDF([]string{strings.Repeat("[", 100) + strings.Repeat("]", 100)}, "/Root 1 0 R"),
		"nested-dicts":       testPDF([]string{"<<>>"}, "/Root 1 0 R /X "+strings.Repeat("<< /A ", 100)+strings.Repeat(">>", 100)),
		"nested-cms":         nestedCMSPDF(100),
		"objstm-flate-bomb":  compressedPDF(make([]byte, 2<<20)),
		"many-byteranges":    many,
		"shared-kids-tree":   testPDF(kids, "/Root 1 0 R"),
		"many-values":        testPDF([]string{"[" + strings.Repeat("0 ", 30_000) + "]"}, "/Root 1 0 R"),
		"huge-xref-subsect":  []byte("%PDF-1.7\nxref\n1000000000 4000000000\n0000000000 00000 n \ntrailer\n<< /Size 5 >>\nstartxref\n9\n%%EOF\n"),
		"literal-paren-deep": testPDF([]string{"(" + strings.Repeat("(", 5000) + strings.Repeat(")", 5000) + ")"}, "/Root 1 0 R"),
	}
}

// fuzzLimits are small budgets so the fuzzer reaches every refusal quickly
// and the committed bombs stay a few kilobytes.
var fuzzLimits = Limits{MaxDepth: 32, MaxObjects: 20_000, MaxXrefEntries: 10_000, MaxDecompressed: 1 << 20, MaxSignatures: 16, MaxASN1Elements: 10_000}

func TestBombsAreRefused(t *testing.T) {
	want := map[string]string{
		"nested-arrays": "MaxDepth", "nested-dicts": "MaxDepth", "nested-cms": "MaxDepth", "objstm-flate-bomb": "MaxDecompressed",
		"many-byteranges": "MaxSignatures", "many-values": "MaxObjects",
	}
	for name, data := range pdfBombs() {
		_, err := VerifyWithOptions(data, VerifyOptions{Limits: fuzzLimits})
		budget, bomb := want[name]
		var le *LimitError
		switch {
		case bomb && (!errors.As(err, &le) || le.Budget != budget || !errors.Is(err, ErrLimit)):
			t.Errorf("%s: want a refusal for %s, got %v", name, budget, err)
		case bomb:
			t.Logf("%s: %v", name, err)
		case err != nil && !errors.Is(err, ErrMalformedPDF):
			t.Errorf("%s: want a result or ErrMalformedPDF, got %v", name, err)
		}
	}
}

func TestDefaultBudgetsAtFullSize(t *testing.T) {
	cases := map[string]struct {
		data   []byte
		budget string
	}{
		"nested arrays 5.2 MB":       {testPDF([]string{strings.Repeat("[", 2_600_000) + strings.Repeat("]", 2_600_000)}, "/Root 1 0 R"), "MaxDepth"},
		"nested CMS 2 MB":            {nestedCMSPDF(250_000), "MaxDepth"},
		"object stream of 40 MB":     {compressedPDF(make([]byte, 40<<20)), "MaxDecompressed"},
		"a million values":           {testPDF([]string{"[" + strings.Repeat("0 ", 1_000_000) + "]"}, "/Root 1 0 R"), "MaxObjects"},
		"two million xref entries":   {[]byte("%PDF-1.7\nxref\n0 2000000\n" + strings.Repeat("0000000000 00000 f \n", 2_000_000) + "trailer\n<< /Size 5 >>\nstartxref\n9\n%%EOF\n"), "MaxXrefEntries"},
		"a thousand ByteRange words": {[]byte("%PDF-1.7\n" + manyRanges(1000)), "MaxSignatures"},
	}
	for name, c := range cases {
		_, err := Verify(c.data)
		var le *LimitError
		if !errors.As(err, &le) || le.Budget != c.budget {
			t.Errorf("%s: want a refusal for %s, got %v", name, c.budget, err)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
}

func manyRanges(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("/ByteRange [0 " + strconv.Itoa(i) + " 2 3]\n")
	}
	return b.String()
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzVerify/bomb-* from pdfBombs")

// TestFuzzCorpusHasBombs keeps the committed fuzz corpus in step with
// pdfBombs (go test -run TestFuzzCorpusHasBombs -update-corpus rewrites it).
func TestFuzzCorpusHasBombs(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	for name, data := range pdfBombs() {
		file := filepath.Join(dir, "bomb-"+name)
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if *updateCorpus {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || string(got) != want {
			t.Errorf("%s is missing or stale: run go test -run TestFuzzCorpusHasBombs -update-corpus ./internal/pdfdoc/", file)
		}
	}
}

// FuzzVerify feeds arbitrary bytes to verification: it must answer or
// refuse with one of its documented errors, within budget, never panic.
func FuzzVerify(f *testing.F) {
	signed, _ := buildSigned(f)
	f.Add(signed)
	f.Add(compressedPDF(nil))
	plain, _ := Build(sampleDoc)
	f.Add(plain)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := VerifyWithOptions(data, VerifyOptions{Limits: fuzzLimits})
		switch {
		case err == nil && res == nil:
			t.Fatal("nil result without an error")
		case err != nil && !errors.Is(err, ErrEmptyInput) && !errors.Is(err, ErrNotPDF) && !errors.Is(err, ErrMalformedPDF) && !errors.Is(err, ErrLimit):
			t.Fatalf("undocumented error: %v", err)
		}
	})
}
