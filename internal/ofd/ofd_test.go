package ofd

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// refNow fixes the verification time so expiry results of the reference files are stable.
var refNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// digitalSignCert is the signer certificate of DigitalSign.ofd (see testdata/README.md).
func digitalSignCert(t testing.TB) *smx509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(readTestdata(t, "DigitalSign-signer.pem"))
	if blk == nil {
		t.Fatal("testdata/DigitalSign-signer.pem: no PEM block")
	}
	c, err := smx509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// zipEntries returns the entries of a zip archive by name, in order.
func zipEntries(t testing.TB, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = b
	}
	return names, files
}

// rewrite returns data re-zipped with entry name replaced by edit(old);
// edit returning nil drops the entry.
func rewrite(t testing.TB, data []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	names, files := zipEntries(t, data)
	if _, ok := files[name]; !ok {
		t.Fatalf("rewrite: %s not in archive", name)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		content := files[n]
		if n == name {
			content = edit(append([]byte(nil), content...))
			if content == nil {
				continue
			}
		}
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// flipMiddle changes one byte in the middle of b.
func flipMiddle(b []byte) []byte {
	b[len(b)/2] ^= 0x01
	return b
}

func newSigner(t testing.TB, cn string) Signer {
	t.Helper()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := NewSelfSignedCert(key, cn)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{Key: key, CertDER: der, SealName: cn + "电子证照专用章"}
}

func sampleDoc() Document {
	return Document{
		Title: "中华人民共和国居民户口簿",
		Lines: []Line{
			{"户主姓名", "张三"},
			{"户号", "510104198001011234"},
			{"住址", "四川省成都市锦江区红星路三段1号"},
			{"备注", strings.Repeat("长文本自动换行测试。", 12)},
		},
		Created: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestReferenceFiles(t *testing.T) {
	opts := VerifyOptions{SignerCerts: []*smx509.Certificate{digitalSignCert(t)}, Now: refNow}
	cases := []struct {
		file     string
		typ      string
		version  int
		refs     int
		expired  bool
		sealName string
	}{
		{"SESV4SignDoc.ofd", "Seal", 4, 5, true, "OFD R&W 测试用印章"},
		{"v4signed.ofd", "Seal", 4, 13, false, "测试全国统一发票监制章国家税务总局重庆市税务局"},
		{"allprotected.ofd", "Seal", 4, 6, true, "OFD R&W 测试用印章"},
		{"DigitalSign.ofd", "Sign", 0, 4, true, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			res, err := VerifyWithOptions(readTestdata(t, c.file), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Valid || len(res.Signatures) != 1 {
				t.Fatalf("want one valid signature, got valid=%v n=%d\n%s", res.Valid, len(res.Signatures), res.Detail)
			}
			s := res.Signatures[0]
			if s.Type != c.typ || s.SESVersion != c.version || len(s.References) != c.refs {
				t.Errorf("type=%s version=%d refs=%d, want %s %d %d", s.Type, s.SESVersion, len(s.References), c.typ, c.version, c.refs)
			}
			if !s.ReferencesOK || !s.SignatureXMLOK || !s.SignatureOK || len(s.Problems) != 0 {
				t.Errorf("checks: refs=%v sigxml=%v sig=%v problems=%v", s.ReferencesOK, s.SignatureXMLOK, s.SignatureOK, s.Problems)
			}
			if s.Cert.Expired != c.expired || s.Cert.TrustChecked || s.Cert.Subject == "" {
				t.Errorf("cert status %+v, want expired=%v and trust unchecked", s.Cert, c.expired)
			}
			if !strings.Contains(res.Detail, "trust not evaluated") {
				t.Errorf("detail does not report trust separately: %s", res.Detail)
			}
			if s.SealName != c.sealName {
				t.Errorf("seal name %q, want %q", s.SealName, c.sealName)
			}
			if c.typ == "Seal" {
				if s.SealSignatureOK == nil || !*s.SealSignatureOK || s.SignerInSeal == nil || !*s.SignerInSeal {
					t.Errorf("seal maker signature / signer listing not confirmed: %v %v", s.SealSignatureOK, s.SignerInSeal)
				}
			}
			t.Log(res.Detail)
		})
	}
}

func TestReferenceTrustIsSeparate(t *testing.T) {
	// A root pool that does not contain the ofdrw test root: crypto stays valid, trust fails.
	other := newSigner(t, "unrelated root")
	c, _ := smx509.ParseCertificate(other.CertDER)
	pool := smx509.NewCertPool()
	pool.AddCert(c)
	res, err := VerifyWithOptions(readTestdata(t, "SESV4SignDoc.ofd"), VerifyOptions{Roots: pool, Now: refNow})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Signatures[0]
	if !res.Valid || !s.Cert.TrustChecked || s.Cert.Trusted || !strings.Contains(res.Detail, "NOT trusted") {
		t.Fatalf("want valid signature with untrusted certificate, got valid=%v cert=%+v\n%s", res.Valid, s.Cert, res.Detail)
	}
}

func TestDigitalSignNeedsCertificate(t *testing.T) {
	res, err := Verify(readTestdata(t, "DigitalSign.ofd"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || res.Signatures[0].Type != "Sign" || !res.Signatures[0].ReferencesOK ||
		!strings.Contains(res.Detail, "supply the signer certificate") {
		t.Fatalf("want unverifiable plain signature, got valid=%v\n%s", res.Valid, res.Detail)
	}
	// The wrong certificate must not verify it.
	other := newSigner(t, "someone else")
	c, _ := smx509.ParseCertificate(other.CertDER)
	res, _ = VerifyWithOptions(readTestdata(t, "DigitalSign.ofd"), VerifyOptions{SignerCerts: []*smx509.Certificate{c}})
	if res.Valid || res.Signatures[0].SignatureOK {
		t.Fatalf("verified with an unrelated certificate:\n%s", res.Detail)
	}
}

func TestHelloWorldHasNoSignature(t *testing.T) {
	res, err := Verify(readTestdata(t, "helloworld.ofd"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || len(res.Signatures) != 0 || !strings.Contains(res.Detail, "no signature") {
		t.Fatalf("got valid=%v n=%d detail=%q", res.Valid, len(res.Signatures), res.Detail)
	}
}

// TestTamperReferenceFiles flips one byte in every protected file, in
// Signature.xml and in SignedValue.dat of each signed reference file.
func TestTamperReferenceFiles(t *testing.T) {
	opts := VerifyOptions{SignerCerts: []*smx509.Certificate{digitalSignCert(t)}, Now: refNow}
	for _, file := range []string{"SESV4SignDoc.ofd", "v4signed.ofd", "allprotected.ofd", "DigitalSign.ofd"} {
		orig := readTestdata(t, file)
		res, err := VerifyWithOptions(orig, opts)
		if err != nil || !res.Valid {
			t.Fatalf("%s: baseline not valid: %v", file, err)
		}
		s := res.Signatures[0]
		targets := []string{s.Location, "/Doc_0/Signs/Sign_0/SignedValue.dat"}
		for _, r := range s.References {
			targets = append(targets, r.Path)
		}
		for _, target := range targets {
			t.Run(file+target, func(t *testing.T) {
				bad := rewrite(t, orig, strings.TrimPrefix(target, "/"), flipMiddle)
				res, err := VerifyWithOptions(bad, opts)
				if err != nil {
					t.Fatal(err)
				}
				if res.Valid {
					t.Fatalf("still valid after changing %s", target)
				}
				if !strings.Contains(res.Detail, target) {
					t.Fatalf("detail does not name %s:\n%s", target, res.Detail)
				}
			})
		}
		// Dropping a protected file is reported as missing.
		t.Run(file+"/missing", func(t *testing.T) {
			bad := rewrite(t, orig, "Doc_0/Pages/Page_0/Content.xml", func([]byte) []byte { return nil })
			res, _ := VerifyWithOptions(bad, opts)
			if res.Valid || !strings.Contains(res.Detail, "/Doc_0/Pages/Page_0/Content.xml is missing") {
				t.Fatalf("got valid=%v\n%s", res.Valid, res.Detail)
			}
		})
	}
}

func TestSignatureListLocations(t *testing.T) {
	orig := readTestdata(t, "SESV4SignDoc.ofd")
	// Signatures.xml is not protected, so its BaseLoc may be rewritten freely.
	setLoc := func(loc string) []byte {
		return rewrite(t, orig, "Doc_0/Signs/Signatures.xml", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"`), []byte(loc), 1)
		})
	}
	for _, c := range []struct {
		attr  string
		valid bool
		want  string
	}{
		{`BaseLoc="Sign_0/Signature.xml"`, true, "valid"},
		{`BaseLoc="./Sign_0/../Sign_0/Signature.xml"`, true, "valid"},
		{``, false, "has no BaseLoc"},
		{`BaseLoc="Sign_9/Signature.xml"`, false, "/Doc_0/Signs/Sign_9/Signature.xml is not in the package"},
		{`BaseLoc="../../../etc/passwd"`, false, "escapes the package root"},
	} {
		res, err := Verify(setLoc(c.attr))
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid != c.valid || !strings.Contains(res.Detail, c.want) {
			t.Errorf("%s: valid=%v detail=%s", c.attr, res.Valid, res.Detail)
		}
	}
}

func TestBuild(t *testing.T) {
	data, err := Build(sampleDoc())
	if err != nil {
		t.Fatal(err)
	}
	_, files := zipEntries(t, data)
	for _, name := range []string{"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml", "Doc_0/Pages/Page_0/Content.xml"} {
		if _, ok := files[name]; !ok {
			t.Fatalf("missing %s", name)
		}
	}
	content := string(files["Doc_0/Pages/Page_0/Content.xml"])
	for _, want := range []string{">中华人民共和国居民户口簿</ofd:TextCode>", ">户主姓名: 张三</ofd:TextCode>", `Font="1"`, `DeltaX="`} {
		if !strings.Contains(content, want) {
			t.Errorf("Content.xml lacks %q", want)
		}
	}
	if n := strings.Count(content, "<ofd:TextObject "); n < 6 {
		t.Errorf("%d text objects, want title + 4 lines + wrapped continuation", n)
	}
	if !strings.Contains(string(files["Doc_0/PublicRes.xml"]), `FontName="宋体"`) {
		t.Error("PublicRes.xml does not declare 宋体")
	}
	// Deterministic for a fixed creation date.
	again, _ := Build(sampleDoc())
	_, files2 := zipEntries(t, again)
	if !bytes.Equal(files["OFD.xml"], files2["OFD.xml"]) || content != string(files2["Doc_0/Pages/Page_0/Content.xml"]) {
		t.Error("Build is not deterministic")
	}
	// Many lines continue on further pages.
	doc := sampleDoc()
	for i := 0; i < 60; i++ {
		doc.Lines = append(doc.Lines, Line{"项目", "值"})
	}
	data, err = Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, files = zipEntries(t, data)
	if _, ok := files["Doc_0/Pages/Page_1/Content.xml"]; !ok {
		t.Error("long document did not continue on a second page")
	}
	if !strings.Contains(string(files["Doc_0/Document.xml"]), `BaseLoc="Pages/Page_1/Content.xml"`) {
		t.Error("Document.xml does not list the second page")
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		doc   Document
		field string
	}{
		{Document{Title: "  "}, "Title"},
		{Document{Title: "a\x00b"}, "Title"},
		{Document{Title: "t", Lines: []Line{{"ok", "v"}, {"", "v"}}}, "Lines[1].Name"},
		{Document{Title: "t", Lines: []Line{{"n", "bad\x07"}}}, "Lines[0].Value"},
		{Document{Title: "t", Lines: []Line{{"n", "\xff"}}}, "Lines[0].Value"},
	} {
		_, err := Build(c.doc)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, ErrInvalidDocument) {
			t.Errorf("%+v: got %v, want FieldError on %s", c.doc, err, c.field)
		}
	}
}

func TestSealVerifyRoundTrip(t *testing.T) {
	signer := newSigner(t, "四川省大数据中心")
	doc, err := Build(sampleDoc())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := Seal(doc, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := smx509.ParseCertificate(signer.CertDER)
	pool := smx509.NewCertPool()
	pool.AddCert(cert)
	res, err := VerifyWithOptions(sealed, VerifyOptions{Roots: pool})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid || len(res.Signatures) != 1 {
		t.Fatalf("sealed document not valid:\n%s", res.Detail)
	}
	s := res.Signatures[0]
	if s.Type != "Seal" || s.SESVersion != 4 || !s.Cert.Trusted || s.Cert.Expired ||
		!strings.Contains(s.Cert.Subject, "四川省大数据中心") || s.SealName != "四川省大数据中心电子证照专用章" ||
		s.SealSignatureOK == nil || !*s.SealSignatureOK || s.SignerInSeal == nil || !*s.SignerInSeal {
		t.Fatalf("unexpected result %+v", s)
	}
	if len(s.Unprotected) != 0 {
		t.Errorf("files left unprotected: %v", s.Unprotected)
	}
	// 4 built files + Seal.esl are protected.
	if len(s.References) != 5 {
		t.Errorf("%d references, want 5", len(s.References))
	}

	names, _ := zipEntries(t, sealed)
	for _, name := range names {
		if strings.HasPrefix(name, "Doc_0/Signs/") && name != "Doc_0/Signs/Sign_0/Signature.xml" && name != "Doc_0/Signs/Sign_0/SignedValue.dat" {
			continue
		}
		t.Run("tamper/"+name, func(t *testing.T) {
			res, err := Verify(rewrite(t, sealed, name, flipMiddle))
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid || !strings.Contains(res.Detail, "/"+name) {
				t.Fatalf("valid=%v, detail does not name /%s:\n%s", res.Valid, name, res.Detail)
			}
		})
	}

	// A second seal keeps the first one valid.
	twice, err := Seal(sealed, newSigner(t, "第二签章人"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = Verify(twice)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid || len(res.Signatures) != 2 || res.Signatures[1].Location != "/Doc_0/Signs/Sign_1/Signature.xml" {
		t.Fatalf("double seal: valid=%v n=%d\n%s", res.Valid, len(res.Signatures), res.Detail)
	}
}

// TestSealAcceptsForeignDocument seals a document made by other software.
func TestSealAcceptsForeignDocument(t *testing.T) {
	sealed, err := Seal(readTestdata(t, "helloworld.ofd"), newSigner(t, "签章测试"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(sealed)
	if err != nil || !res.Valid {
		t.Fatalf("err=%v\n%v", err, res)
	}
	// Sealing an already sealed foreign file keeps its original seal valid.
	sealed, err = Seal(readTestdata(t, "SESV4SignDoc.ofd"), newSigner(t, "签章测试"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = VerifyWithOptions(sealed, VerifyOptions{Now: refNow})
	if err != nil || !res.Valid || len(res.Signatures) != 2 {
		t.Fatalf("err=%v\n%s", err, res.Detail)
	}
}

// TestSignatureWithOpenSSL checks the SM2 signature of a sealed document with
// an independent implementation: OpenSSL's SM2 with the default distinguishing ID.
func TestSignatureWithOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	signer := newSigner(t, "OpenSSL 交叉验证")
	doc, _ := Build(sampleDoc())
	sealed, err := Seal(doc, signer)
	if err != nil {
		t.Fatal(err)
	}
	_, files := zipEntries(t, sealed)
	ses, err := parseSES(files["Doc_0/Signs/Sign_0/SignedValue.dat"])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPath := write("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ses.certDER}))
	pub, err := exec.Command("openssl", "x509", "-in", certPath, "-pubkey", "-noout").Output()
	if err != nil {
		t.Skipf("openssl cannot read SM2 certificates: %v", err)
	}
	pubPath := write("pub.pem", pub)
	tbsPath := write("tbs.der", ses.tbsRaw)
	sigPath := write("sig.der", ses.signature)
	run := func(in string) ([]byte, error) {
		return exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-digest", "sm3",
			"-pkeyopt", "distid:1234567812345678", "-in", in, "-sigfile", sigPath).CombinedOutput()
	}
	out, err := run(tbsPath)
	if err != nil {
		t.Fatalf("openssl rejects our SM2 signature: %v\n%s", err, out)
	}
	// And it must reject a changed TBS_Sign, or the check above proves nothing.
	bad := append([]byte(nil), ses.tbsRaw...)
	bad[len(bad)-1] ^= 1
	if out, err := run(write("bad.der", bad)); err == nil {
		t.Fatalf("openssl accepted a changed TBS_Sign:\n%s", out)
	}
	// The structure is well-formed DER as far as OpenSSL's parser is concerned.
	if out, err := exec.Command("openssl", "asn1parse", "-inform", "DER", "-in",
		write("sv.dat", files["Doc_0/Signs/Sign_0/SignedValue.dat"])).CombinedOutput(); err != nil {
		t.Fatalf("openssl asn1parse: %v\n%s", err, out)
	}
}

func TestUnreadableInput(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("not an OFD"))
	zw.Close()
	signer := newSigner(t, "x")
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrEmpty},
		{"not zip", []byte("%PDF-1.7 definitely not a zip"), ErrNotZip},
		{"zip without OFD.xml", buf.Bytes(), ErrNotOFD},
	} {
		if _, err := Verify(c.in); !errors.Is(err, c.want) {
			t.Errorf("Verify(%s): %v, want %v", c.name, err, c.want)
		}
		if _, err := Seal(c.in, signer); !errors.Is(err, c.want) {
			t.Errorf("Seal(%s): %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSealRejectsBadSigner(t *testing.T) {
	doc, _ := Build(sampleDoc())
	a, b := newSigner(t, "a"), newSigner(t, "b")
	for _, s := range []Signer{{}, {Key: a.Key}, {Key: a.Key, CertDER: []byte("junk")}, {Key: a.Key, CertDER: b.CertDER}} {
		if _, err := Seal(doc, s); !errors.Is(err, ErrBadSigner) {
			t.Errorf("Seal with bad signer: %v, want ErrBadSigner", err)
		}
	}
	if _, err := NewSelfSignedCert(nil, "x"); !errors.Is(err, ErrBadSigner) {
		t.Errorf("NewSelfSignedCert(nil): %v", err)
	}
}

func BenchmarkSealVerify(b *testing.B) {
	signer := newSigner(b, "基准测试")
	doc, err := Build(sampleDoc())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sealed, err := Seal(doc, signer)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Verify(sealed)
		if err != nil || !res.Valid {
			b.Fatal("not valid")
		}
	}
}

// TestSESv1 wraps ofdrw's real GM/T 0031-2014 seal in a v1 SES_Signature
// (TBS_Sign{version 1, eseal, timeInfo, dataHash, propertyInfo, cert, alg},
// signature) and checks that it verifies, and fails when Signature.xml changes.
func TestSESv1(t *testing.T) {
	signer := newSigner(t, "v1 签章人")
	doc, _ := Build(sampleDoc())
	sealed, err := Seal(doc, signer)
	if err != nil {
		t.Fatal(err)
	}
	_, files := zipEntries(t, sealed)
	sigXML := files["Doc_0/Signs/Sign_0/Signature.xml"]
	digest := sm3.Sum(sigXML)
	tbs, err := asn1.Marshal(struct {
		Version      int
		ESeal        asn1.RawValue
		TimeInfo     asn1.BitString
		DataHash     asn1.BitString
		PropertyInfo string `asn1:"ia5"`
		Cert         []byte
		Alg          asn1.ObjectIdentifier
	}{1, asn1.RawValue{FullBytes: readTestdata(t, "UserV1.esl")},
		asn1.BitString{Bytes: []byte("20240301120000Z"), BitLength: 120},
		asn1.BitString{Bytes: digest[:], BitLength: 256},
		"/Doc_0/Signs/Sign_0/Signature.xml", signer.CertDER, oidSM2WithSM3})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Key.Sign(rand.Reader, tbs, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := asn1.Marshal(struct {
		ToSign    asn1.RawValue
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	v1doc := rewrite(t, sealed, "Doc_0/Signs/Sign_0/SignedValue.dat", func([]byte) []byte { return v1 })
	res, err := Verify(v1doc)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Signatures[0]
	if !res.Valid || s.SESVersion != 1 || s.SealName != "OFDRW测试用印章" ||
		!s.SignTime.Equal(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("v1 signature: valid=%v version=%d seal=%q time=%v\n%s", res.Valid, s.SESVersion, s.SealName, s.SignTime, res.Detail)
	}
	if s.SealSignatureOK == nil || !*s.SealSignatureOK {
		t.Errorf("maker signature of ofdrw's v1 seal not confirmed: %v", s.SealSignatureOK)
	}
	// ofdrw's seal lists its own test signer, not ours.
	if s.SignerInSeal == nil || *s.SignerInSeal || !strings.Contains(res.Detail, "signer certificate not listed in the seal") {
		t.Errorf("signer listing not reported: %v\n%s", s.SignerInSeal, res.Detail)
	}
	t.Log(res.Detail)
	res, _ = Verify(rewrite(t, v1doc, "Doc_0/Signs/Sign_0/Signature.xml", flipMiddle))
	if res.Valid || !strings.Contains(res.Detail, "/Doc_0/Signs/Sign_0/Signature.xml was changed") {
		t.Fatalf("changed Signature.xml not detected:\n%s", res.Detail)
	}
	res, _ = Verify(rewrite(t, v1doc, "Doc_0/Signs/Sign_0/SignedValue.dat", flipMiddle))
	if res.Valid || !strings.Contains(res.Detail, "/Doc_0/Signs/Sign_0/SignedValue.dat") {
		t.Fatalf("changed SignedValue.dat not detected:\n%s", res.Detail)
	}
}

// TestSealMakerSignature checks the maker signature of our own seal and of
// ofdrw's seals, and that a changed seal picture breaks it.
func TestSealMakerSignature(t *testing.T) {
	signer := newSigner(t, "制章人")
	cert, _ := smx509.ParseCertificate(signer.CertDER)
	seal, err := makeSeal(signer, cert, "测试章", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := verifySealMaker(seal, 4); err != nil || !ok {
		t.Fatalf("own seal: ok=%v err=%v", ok, err)
	}
	bad := append([]byte(nil), seal...)
	i := bytes.Index(bad, []byte("IEND")) // inside the PNG picture
	bad[i] ^= 1
	if ok, _ := verifySealMaker(bad, 4); ok {
		t.Fatal("changed seal picture still verifies")
	}
	if ok, err := verifySealMaker(readTestdata(t, "UserV1.esl"), 1); err != nil || !ok {
		t.Fatalf("ofdrw v1 seal: ok=%v err=%v", ok, err)
	}
}

// TestCheckIsVerifyStructure: Check accepts every reference package and
// refuses what Verify refuses as no OFD, with the same errors.
func TestCheckIsVerifyStructure(t *testing.T) {
	for _, name := range []string{"DigitalSign.ofd", "SESV4SignDoc.ofd", "allprotected.ofd", "helloworld.ofd", "v4signed.ofd"} {
		if err := Check(readTestdata(t, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		data []byte
		want error
	}{{nil, ErrEmpty}, {[]byte("%PDF-1.7"), ErrNotZip}, {zipWith(t, "a.txt"), ErrNotOFD}} {
		err := Check(tc.data)
		_, verr := Verify(tc.data)
		if !errors.Is(err, tc.want) || !errors.Is(verr, tc.want) {
			t.Errorf("Check = %v, Verify = %v, want %v", err, verr, tc.want)
		}
	}
}

func zipWith(t *testing.T, name string) []byte {
	var buf bytes.Buffer
	return zipOf(t, &buf, zip.NewWriter(&buf), map[string]string{name: "x"})
}
