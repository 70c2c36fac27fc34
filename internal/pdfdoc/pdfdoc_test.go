package pdfdoc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var sampleDoc = Document{
	Title: "中华人民共和国居民身份证",
	Lines: []Line{
		{Name: "姓名", Value: "张三"},
		{Name: "性别", Value: "男"},
		{Name: "公民身份号码", Value: "11010519491231002X"},
		{Name: "住址", Value: "四川省成都市武侯区人民南路四段"},
		{Name: "生僻字", Value: "𠀀"}, // outside the BMP: drawn as 〓
	},
}

func newSigner(t testing.TB, key crypto.Signer, cn string) Signer {
	t.Helper()
	der, err := NewSelfSignedCert(key, cn)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{Key: key, Cert: cert, Name: "四川省大数据中心", Reason: "电子证照签发", Location: "成都"}
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func buildSigned(t testing.TB) ([]byte, Signer) {
	t.Helper()
	plain, err := Build(sampleDoc)
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, ecKey(t), "四川省电子证照平台")
	signed, err := Sign(plain, s)
	if err != nil {
		t.Fatal(err)
	}
	return signed, s
}

// tool runs an external program with "{}" in args replaced by a temporary
// copy of pdf, skipping the test when the program is not installed. It
// returns combined output and the exit error (pdfsig exits non-zero for
// invalid signatures).
func tool(t *testing.T, pdf []byte, name string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt-get install poppler-utils): %v", name, err)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = strings.ReplaceAll(a, "{}", file)
	}
	out, err := exec.Command(path, argv...).CombinedOutput()
	return string(out), err
}

func TestBuildTextExtractsWithPdftotext(t *testing.T) {
	pdf, err := Build(sampleDoc)
	if err != nil {
		t.Fatal(err)
	}
	text, err := tool(t, pdf, "pdftotext", "-enc", "UTF-8", "{}", "-")
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, text)
	}
	for _, want := range []string{
		"中华人民共和国居民身份证",
		"姓名: 张三",
		"性别: 男",
		"公民身份号码: 11010519491231002X",
		"住址: 四川省成都市武侯区人民南路四段",
		"生僻字: 〓",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q:\n%s", want, text)
		}
	}
}

func TestBuildRejectsBadFields(t *testing.T) {
	cases := []struct {
		doc   Document
		field string
	}{
		{Document{Title: "  "}, "Title"},
		{Document{Title: "a\xffb"}, "Title"},
		{Document{Title: "证", Lines: []Line{{"姓名", "张三"}, {"", "x"}}}, "Lines[1].Name"},
		{Document{Title: "证", Lines: []Line{{"姓名", "\xc3"}}}, "Lines[0].Value"},
	}
	for _, c := range cases {
		_, err := Build(c.doc)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, ErrInvalidDocument) {
			t.Errorf("Build(%+v) = %v, want FieldError for %s", c.doc, err, c.field)
		}
	}
}

// TestBuildXrefOffsets checks every cross-reference entry and startxref
// against the bytes they point at.
func TestBuildXrefOffsets(t *testing.T) {
	pdf, err := Build(sampleDoc)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref at end of file")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	lines := strings.Split(string(pdf[xref:]), "\n")
	count, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	if count < 8 {
		t.Fatalf("xref has %d entries", count)
	}
	for n := 1; n < count; n++ {
		entry := lines[2+n]
		if len(entry)+1 != 20 { // each entry is exactly 20 bytes with its EOL
			t.Errorf("xref entry %d %q is not 20 bytes", n, entry)
		}
		off, _ := strconv.Atoi(entry[:10])
		if want := strconv.Itoa(n) + " 0 obj\n"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d offset %d points at %q", n, off, pdf[off:min(off+12, len(pdf))])
		}
	}
	if _, err := exec.LookPath("pdfinfo"); err == nil {
		out, err := tool(t, pdf, "pdfinfo", "{}")
		if err != nil || strings.Contains(out, "Syntax Error") || !regexp.MustCompile(`Pages:\s+1\n`).MatchString(out) {
			t.Errorf("pdfinfo: %v\n%s", err, out)
		}
	}
}

func TestBuildWrapsAndPaginates(t *testing.T) {
	doc := Document{Title: "营业执照"}
	long := strings.Repeat("经营范围包括软件开发与信息技术咨询服务", 8)
	doc.Lines = append(doc.Lines, Line{"经营范围", long})
	for i := 1; i <= 60; i++ {
		doc.Lines = append(doc.Lines, Line{"第" + strconv.Itoa(i) + "项", "值" + strconv.Itoa(i)})
	}
	pdf, err := Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	info, err := tool(t, pdf, "pdfinfo", "{}")
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	if !regexp.MustCompile(`Pages:\s+[2-9]`).MatchString(info) {
		t.Errorf("want at least 2 pages:\n%s", info)
	}
	text, err := tool(t, pdf, "pdftotext", "-enc", "UTF-8", "{}", "-")
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, text)
	}
	flat := strings.Join(strings.Fields(text), "")
	if !strings.Contains(flat, "经营范围:"+long) {
		t.Errorf("wrapped value not extracted whole:\n%s", text)
	}
	if !strings.Contains(text, "第60项: 值60") {
		t.Errorf("last line missing:\n%s", text)
	}
	for _, l := range strings.Split(text, "\n") {
		if n := len([]rune(l)); n > 45 { // 481 pt at 12 pt per CJK character ≈ 40
			t.Errorf("line not wrapped (%d characters): %q", n, l)
		}
	}
}

func TestSignedPassesPdfsigAndVerify(t *testing.T) {
	signed, s := buildSigned(t)
	out, err := tool(t, signed, "pdfsig", "-nocert", "-no-ocsp", "{}")
	if err != nil || !strings.Contains(out, "Signature Validation: Signature is Valid.") || !strings.Contains(out, "Total document signed") {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	res, err := Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid || len(res.Signatures) != 1 {
		t.Fatalf("Verify = %+v", res)
	}
	sig := res.Signatures[0]
	if !sig.Valid || !sig.CoversWholeFile || sig.Signer != "四川省电子证照平台" || sig.Name != s.Name ||
		sig.Reason != s.Reason || sig.Location != s.Location || sig.SubFilter != "adbe.pkcs7.detached" || sig.SigningTime.IsZero() {
		t.Errorf("signature result = %+v", sig)
	}
	// Self-signed: cryptographically valid, but not trusted.
	if sig.Trusted || !strings.Contains(sig.TrustDetail, "self-signed") {
		t.Errorf("self-signed certificate: Trusted=%v %q", sig.Trusted, sig.TrustDetail)
	}
	roots := x509.NewCertPool()
	roots.AddCert(s.Cert)
	res, err = VerifyWithOptions(signed, VerifyOptions{Roots: roots})
	if err != nil || !res.Valid || !res.Signatures[0].Trusted {
		t.Errorf("with the certificate as root: %+v, %v", res, err)
	}
}

func TestSignRSA(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := Build(sampleDoc)
	signed, err := Sign(plain, newSigner(t, key, "RSA signer"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Verify(signed); err != nil || !res.Valid || res.Signatures[0].Signer != "RSA signer" {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	out, err := tool(t, signed, "pdfsig", "-nocert", "-no-ocsp", "{}")
	if err != nil || !strings.Contains(out, "Signature Validation: Signature is Valid.") {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
}

// TestTamperedByteIsInvalid changes one hex digit of the title in the
// content stream, inside the signed range.
func TestTamperedByteIsInvalid(t *testing.T) {
	signed, _ := buildSigned(t)
	var title strings.Builder
	for _, g := range encode(sampleDoc.Title) {
		title.WriteString(strconv.FormatUint(uint64(g.code)|0x10000, 16)[1:])
	}
	at := bytes.Index(bytes.ToLower(signed), []byte(title.String()))
	if at < 0 {
		t.Fatal("title not found in content stream")
	}
	res, err := Verify(signed)
	if err != nil || at >= int(res.Signatures[0].ByteRange[1]) {
		t.Fatalf("title at %d is not in the first signed range: %+v %v", at, res, err)
	}
	tampered := bytes.Clone(signed)
	tampered[at] ^= 0x01 // '4' -> '5': 中 U+4E2D becomes U+5E2D

	res, err = Verify(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || res.Signatures[0].Valid || !strings.Contains(res.Detail, "signed bytes were changed") {
		t.Errorf("tampered file: %+v", res)
	}
	out, err := tool(t, tampered, "pdfsig", "-nocert", "-no-ocsp", "{}")
	// pdfsig exits 0 even for a digest mismatch, so only its report counts.
	if err != nil || strings.Contains(out, "Signature is Valid.") ||
		!regexp.MustCompile(`Signature Validation: (Digest Mismatch|Signature is Invalid)`).MatchString(out) {
		t.Errorf("pdfsig on tampered file: %v\n%s", err, out)
	}
}

// TestEveryTamperedByteIsRejected changes each byte of the signed ranges in
// turn: Verify must never call the result valid, whatever it breaks.
func TestEveryTamperedByteIsRejected(t *testing.T) {
	signed, _ := buildSigned(t)
	res, err := Verify(signed)
	if err != nil || !res.Valid {
		t.Fatalf("untampered: %+v %v", res, err)
	}
	br := res.Signatures[0].ByteRange
	step := 1
	if testing.Short() {
		step = 13
	}
	check := func(i int) {
		tampered := bytes.Clone(signed)
		tampered[i] ^= 0x01
		res, err := Verify(tampered)
		if err != nil {
			if i >= 8 { // only the header may turn the file into "not a PDF"
				t.Errorf("byte %d: error %v", i, err)
			}
			return
		}
		if res.Valid {
			t.Errorf("byte %d (%q) changed but Verify says valid: %s", i, signed[i], res.Detail)
		}
	}
	for i := int(br[0]); i < int(br[0]+br[1]); i += step {
		check(i)
	}
	for i := int(br[2]); i < int(br[2]+br[3]); i += step {
		check(i)
	}
}

func TestAppendedAfterSigningIsInvalid(t *testing.T) {
	signed, _ := buildSigned(t)
	res, err := Verify(append(bytes.Clone(signed), "% appended\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || !res.Signatures[0].Valid || res.Signatures[0].CoversWholeFile ||
		!strings.Contains(res.Detail, "changed after signing") {
		t.Errorf("appended file: %+v", res)
	}
}

func TestSecondSignature(t *testing.T) {
	signed, _ := buildSigned(t)
	second := newSigner(t, ecKey(t), "第二签署人")
	second.Name = "四川省数据中心"
	twice, err := Sign(signed, second)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(twice)
	if err != nil || !res.Valid || len(res.Signatures) != 2 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	if res.Signatures[0].CoversWholeFile || !res.Signatures[1].CoversWholeFile || res.Signatures[1].Signer != "第二签署人" {
		t.Errorf("signatures = %+v", res.Signatures)
	}
	out, err := tool(t, twice, "pdfsig", "-nocert", "-no-ocsp", "{}")
	if err != nil || strings.Count(out, "Signature Validation: Signature is Valid.") != 2 {
		t.Errorf("pdfsig: %v\n%s", err, out)
	}
}

func TestUnsignedHasNoSignature(t *testing.T) {
	plain, _ := Build(sampleDoc)
	res, err := Verify(plain)
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || len(res.Signatures) != 0 || res.Detail != "no signature" {
		t.Errorf("unsigned: %+v", res)
	}
}

func TestGarbageIsAnError(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"", ErrEmptyInput},
		{"hello, not a pdf", ErrNotPDF},
		{"%PDF-1.7\nthis is not a PDF body\n", ErrMalformedPDF},
	} {
		if _, err := Verify([]byte(c.in)); !errors.Is(err, c.want) {
			t.Errorf("Verify(%q) error = %v, want %v", c.in, err, c.want)
		}
		s := newSigner(t, ecKey(t), "x")
		if _, err := Sign([]byte(c.in), s); !errors.Is(err, c.want) {
			t.Errorf("Sign(%q) error = %v, want %v", c.in, err, c.want)
		}
	}
}

func TestSignRejectsBadSigner(t *testing.T) {
	plain, _ := Build(sampleDoc)
	good := newSigner(t, ecKey(t), "ok")
	other := newSigner(t, ecKey(t), "other")
	bad := []Signer{
		{Cert: good.Cert},
		{Key: good.Key},
		{Key: good.Key, Cert: other.Cert},
		{Key: good.Key, Cert: good.Cert, Name: "成都市公安局"},  // 局 U+5C40 holds a backslash byte
		{Key: good.Key, Cert: good.Cert, Reason: "不动产登记"}, // 不 U+4E0D holds a CR byte
	}
	for i, s := range bad {
		if _, err := Sign(plain, s); !errors.Is(err, ErrInvalidSigner) {
			t.Errorf("signer %d: error = %v, want ErrInvalidSigner", i, err)
		}
	}
	// ASCII texts with PDF delimiters are escaped by pdfsign and read back intact.
	good.Name = `Dept (Sichuan) \ 1`
	signed, err := Sign(plain, good)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(signed)
	if err != nil || !res.Valid || res.Signatures[0].Name != good.Name {
		t.Errorf("Verify = %+v, %v", res, err)
	}
}

func TestNewSelfSignedCertRejectsBadInput(t *testing.T) {
	if _, err := NewSelfSignedCert(nil, "x"); !errors.Is(err, ErrInvalidSigner) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := NewSelfSignedCert(ecKey(t), " "); !errors.Is(err, ErrInvalidSigner) {
		t.Errorf("empty name: %v", err)
	}
}

func BenchmarkBuildSign(b *testing.B) {
	s := newSigner(b, ecKey(b), "bench")
	for b.Loop() {
		plain, err := Build(sampleDoc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Sign(plain, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	signed, _ := buildSigned(b)
	for b.Loop() {
		if res, err := Verify(signed); err != nil || !res.Valid {
			b.Fatal(res, err)
		}
	}
}

// TestExpiredCertificateIsUntrustedNotInvalid: a certificate that had
// expired when it signed is a trust problem; the signature itself is sound.
func TestExpiredCertificateIsUntrustedNotInvalid(t *testing.T) {
	key := ecKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "expired"},
		NotBefore:    time.Now().AddDate(-2, 0, 0),
		NotAfter:     time.Now().AddDate(-1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	plain, _ := Build(sampleDoc)
	signed, err := Sign(plain, Signer{Key: key, Cert: cert})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	res, err := VerifyWithOptions(signed, VerifyOptions{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	sig := res.Signatures[0]
	if !res.Valid || !sig.Valid || sig.Trusted || !strings.Contains(sig.TrustDetail, "not valid at the signing time") {
		t.Errorf("expired certificate: %+v", res)
	}
}
