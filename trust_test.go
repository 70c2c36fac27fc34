package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"certgraph/internal/browsertest"
	"certgraph/internal/gmcrypto"
	"certgraph/models"
)

const certQuery = `query($id: ID!) { certificate(id: $id, useFor: VERIFICATION) {
  id name number issueDate validFrom validUntil digitalSign status
  type { code } holder { name code type { code } } issueDept { name code }
  surfaces { name columnName valueType value }
  encryptedId { encryptedId expiresAt verifyUrl }
} }`

// relyingPartyCanonical rebuilds the signed bytes from a GraphQL answer
// following only the published description (PlatformKey.canonicalForm).
func relyingPartyCanonical(c map[string]any) []byte {
	esc := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)
	var b strings.Builder
	b.WriteString("certgraph-canonical-v1\n")
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s=%s\n", k, esc.Replace(fmt.Sprint(v))) }
	m := func(v any) map[string]any { return v.(map[string]any) }
	end := any("长期")
	if c["validUntil"] != nil {
		end = c["validUntil"]
	}
	kv("certificateID", c["id"])
	kv("certificateType", m(c["type"])["code"])
	kv("certificateName", c["name"])
	kv("certificateNumber", c["number"])
	kv("certificateHolder", m(c["holder"])["name"])
	kv("certificateHolderCode", m(c["holder"])["code"])
	kv("certificateHolderType", m(m(c["holder"])["type"])["code"])
	kv("issueDept", m(c["issueDept"])["name"])
	kv("issueDeptCode", m(c["issueDept"])["code"])
	kv("issueDate", c["issueDate"])
	kv("certificateValidateStart", c["validFrom"])
	kv("certificateValidateEnd", end)
	for i, s := range c["surfaces"].([]any) {
		p := "Surface[" + strconv.Itoa(i) + "]."
		kv(p+"name", m(s)["name"])
		kv(p+"columnName", m(s)["columnName"])
		kv(p+"valueType", strings.ToLower(m(s)["valueType"].(string)))
		kv(p+"value", m(s)["value"])
	}
	return []byte(b.String())
}

func TestDigitalSignVerifiesOfflineWithThePublicKeyOnly(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(1, 4)
	tok := e.consumer()
	r := e.gql(tok, certQuery, map[string]any{"id": certs[0].ID}).must(t)
	c := r.get("certificate").(map[string]any)

	// The relying party fetches the key from the well-known URL: nothing else.
	resp, err := http.Get(e.url + "/.well-known/certgraph/signing-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pub, err := gmcrypto.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		t.Fatalf("published key: %v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(c["digitalSign"].(string))
	if err != nil {
		t.Fatalf("digitalSign is not base64: %v", err)
	}
	msg := relyingPartyCanonical(c)
	if !gmcrypto.Verify(pub, msg, sig) {
		t.Fatalf("digitalSign does not verify over the documented canonical form:\n%s", msg)
	}
	// Any change to the data breaks it.
	c["number"] = c["number"].(string) + "1"
	if gmcrypto.Verify(pub, relyingPartyCanonical(c), sig) {
		t.Fatal("signature verifies over changed data")
	}
	k := e.gql("", `{ platformKey { publicKeyPem canonicalForm wellKnownUrl } }`, nil).must(t)
	if !strings.Contains(k.str("platformKey.canonicalForm"), "certgraph-canonical-v1") || k.str("platformKey.publicKeyPem") == "" {
		t.Fatalf("platformKey: %s", k.Raw)
	}
}

func TestEncryptedIdentifierLifecycle(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_ENCRYPTED_ID_TTL": "2s"})
	_, certs := e.standardFixture(2, 2)
	tok := e.consumer()
	enc := e.gql(tok, certQuery, map[string]any{"id": certs[0].ID}).must(t).str("certificate.encryptedId.encryptedId")
	verify := func(id string) (bool, string) {
		r := e.gql(tok, `query($e: String!) { verifyEncryptedId(encryptedId: $e) { result reason certificateId } }`, map[string]any{"e": id}).must(t)
		return r.get("verifyEncryptedId.result") == true, r.str("verifyEncryptedId.reason")
	}
	if ok, why := verify(enc); !ok {
		t.Fatalf("fresh encrypted id: %s", why)
	}
	// tampered: change one character in the middle
	i := len(enc) / 2
	ch := byte('A')
	if enc[i] == 'A' {
		ch = 'B'
	}
	if ok, why := verify(enc[:i] + string(ch) + enc[i+1:]); ok || !strings.Contains(why, "altered") {
		t.Fatalf("tampered: %v %s", ok, why)
	}
	if ok, why := verify(enc[:20]); ok || !strings.Contains(why, "malformed") {
		t.Fatalf("truncated: %v %s", ok, why)
	}
	// 6.3.3 by encrypted id returns the certificate.
	r := e.gql(tok, `query($e: String!) { certificateByEncryptedId(encryptedId: $e, useFor: SHOW) { id } }`, map[string]any{"e": enc}).must(t)
	if r.str("certificateByEncryptedId.id") != certs[0].ID {
		t.Fatalf("by encrypted id: %s", r.Raw)
	}
	if r := e.gql(tok, `{ certificateByEncryptedId(encryptedId: "abc", useFor: SHOW) { id } }`, nil); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("malformed encrypted id: %s", r.Raw)
	}
	// Revocation: false at once, caches included.
	enc2 := e.gql(tok, certQuery, map[string]any{"id": certs[1].ID}).must(t).str("certificate.encryptedId.encryptedId")
	e.gql(testAdminToken, `mutation($id: ID!) { revokeCertificate(id: $id, reason: "遗失补办") { status } }`, map[string]any{"id": certs[1].ID}).must(t)
	if ok, why := verify(enc2); ok || !strings.Contains(why, "revoked") || !strings.Contains(why, "遗失补办") {
		t.Fatalf("revoked: %v %s", ok, why)
	}
	if st := e.gql(tok, certQuery, map[string]any{"id": certs[1].ID}).must(t).str("certificate.status"); st != "REVOKED" {
		t.Fatalf("revoked certificate read as %s", st)
	}
	time.Sleep(2100 * time.Millisecond)
	if ok, why := verify(enc); ok || !strings.Contains(why, "expired") {
		t.Fatalf("expired: %v %s", ok, why)
	}
}

func TestCodeImagesAndPublicVerificationPage(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(2, 2)
	tok := e.consumer()
	enc := e.gql(tok, certQuery, map[string]any{"id": certs[0].ID}).must(t).str("certificate.encryptedId.encryptedId")
	for _, kind := range []string{"QR", "GM"} {
		r := e.gql(tok, `query($e: String!, $k: CodeType) { codeImage(encryptedId: $e, codeType: $k) { codeType payload png } }`, map[string]any{"e": enc, "k": kind}).must(t)
		png, err := base64.StdEncoding.DecodeString(r.str("codeImage.png"))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Fatalf("%s image is not a PNG", kind)
		}
		payload := r.str("codeImage.payload")
		if payload != e.url+"/v/"+enc {
			t.Fatalf("%s payload %q, want the verification URL", kind, payload)
		}
		if kind == "QR" {
			if _, err := exec.LookPath("zbarimg"); err != nil {
				t.Log("zbarimg not installed: QR decoding skipped (apt-get install zbar-tools)")
				continue
			}
			f := filepath.Join(t.TempDir(), "qr.png")
			os.WriteFile(f, png, 0o644)
			out, err := exec.Command("zbarimg", "--raw", "-q", f).Output()
			if err != nil || strings.TrimSpace(string(out)) != payload {
				t.Fatalf("zbarimg decoded %q (%v), want %q", out, err, payload)
			}
		}
	}
	if r := e.gql(tok, `{ codeImage(encryptedId: "zz") { png } }`, nil); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("code of a malformed id: %s", r.Raw)
	}

	// The page a phone opens, in a real browser.
	b := browsertest.New(t)
	b.Navigate(e.url + "/v/" + enc)
	b.WaitText("#verdict", "证照有效")
	if code := b.Text("#code"); strings.Contains(code, personCode) || !strings.Contains(code, "*") {
		t.Fatalf("public page shows holder code %q unmasked", code)
	}
	if holder := b.Text("#holder"); strings.Contains(holder, "𠈌") {
		t.Fatalf("public page shows holder name %q unmasked", holder)
	}
	b.Screenshot("valid")
	e.gql(testAdminToken, `mutation($id: ID!) { revokeCertificate(id: $id, reason: "注销") { id } }`, map[string]any{"id": certs[0].ID}).must(t)
	b.Navigate(e.url + "/v/" + enc)
	b.WaitText("#verdict", "证照无效")
	b.Screenshot("revoked")
	b.Navigate(e.url + "/v/" + enc[:10])
	b.WaitText("#verdict", "证照无效")
	if n := len(b.ExternalRequests()); n != 0 {
		t.Fatalf("the public page made %d external requests: %v", n, b.ExternalRequests())
	}
}

func TestRevocationRights(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(1, 1)
	_, otherIssuer := e.withRoles("ISSUER") // registered with another department code
	q := `mutation($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { status revokeReason } }`
	if r := e.gql(otherIssuer, q, map[string]any{"id": certs[0].ID, "r": "x"}); r.code() != "FORBIDDEN" {
		t.Fatalf("issuer of another department revoking: %s", r.Raw)
	}
	if r := e.gql(e.consumer(), q, map[string]any{"id": certs[0].ID, "r": "x"}); r.code() != "FORBIDDEN" {
		t.Fatalf("consumer revoking: %s", r.Raw)
	}
	if r := e.gql(testAdminToken, q, map[string]any{"id": certs[0].ID, "r": "  "}); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("empty reason: %s", r.Raw)
	}
	// An issuer of the issuing department may.
	id, tok, _ := e.register("issuer")
	e.app.store.Gorm().Model(&models.Account{}).Where("id = ?", id).Update("dept_code", deptCode)
	e.gql(testAdminToken, `mutation($id: ID!) { approveAccount(id: $id) { id } }`, map[string]any{"id": id}).must(t)
	e.gql(testAdminToken, `mutation($id: ID!) { setRoles(id: $id, roles: [ISSUER]) { id } }`, map[string]any{"id": id}).must(t)
	r := e.gql(tok, q, map[string]any{"id": certs[0].ID, "r": "证照信息有误"}).must(t)
	if r.str("revokeCertificate.status") != "REVOKED" {
		t.Fatalf("revoke: %s", r.Raw)
	}
	if r := e.gql(tok, q, map[string]any{"id": certs[0].ID, "r": "again"}); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("revoking twice: %s", r.Raw)
	}
}

func TestVerifyByFields(t *testing.T) {
	e := newTestEnv(t, nil)
	e.addDept(deptCode, "四川省公安厅")
	h := e.addHolder(personCode, "111", "王五")
	today := models.DateOf(time.Now().In(time.FixedZone("CST", 8*3600)))
	valid := e.addCert(h, certSpec{Serial: "11", Number: "N-VALID", IssueDate: today.AddDays(-10)})
	e.addCert(h, certSpec{Serial: "12", Number: "N-EXPIRED", IssueDate: today.AddDays(-800), ValidUntil: datePtr(today.AddDays(-3))})
	tok := e.consumer()
	q := `query($in: VerifyFieldsInput!) { verifyByFields(input: $in) { result reason certificateId status } }`
	run := func(in map[string]any) *gqlResponse {
		in["holderCode"] = personCode
		in["useFor"] = "VERIFICATION"
		return e.gql(tok, q, map[string]any{"in": in}).must(t)
	}
	r := run(map[string]any{"number": "N-VALID", "holder": "王五", "issueDept": "四川省公安厅", "issueDate": valid.IssueDate.String(), "longTerm": true})
	if r.get("verifyByFields.result") != true || r.str("verifyByFields.certificateId") != valid.ID {
		t.Fatalf("all fields match: %s", r.Raw)
	}
	if r := run(map[string]any{"number": "N-VALID", "holder": "王六"}); r.get("verifyByFields.result") != false || !strings.Contains(r.str("verifyByFields.reason"), "holder") {
		t.Fatalf("wrong holder name: %s", r.Raw)
	}
	if r := run(map[string]any{"number": "N-EXPIRED"}); r.get("verifyByFields.result") != false || !strings.Contains(r.str("verifyByFields.reason"), "expired") {
		t.Fatalf("expired certificate: %s", r.Raw)
	}
	bad := e.gql(tok, q, map[string]any{"in": map[string]any{"holderCode": "123", "useFor": "VERIFICATION"}})
	if bad.code() != "BAD_USER_INPUT" {
		t.Fatalf("bad holder code: %s", bad.Raw)
	}
}

func TestLayoutFilesDownloadAndVerify(t *testing.T) {
	e := newTestEnv(t, map[string]string{"CERTGRAPH_FILE_LINK_TTL": "3s"})
	_, certs := e.standardFixture(2, 4)
	ctx := t.Context()
	if _, err := e.app.writer.IssueFile(ctx, certs[0].ID, models.FormatPDF); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.writer.IssueFile(ctx, certs[1].ID, models.FormatOFD); err != nil {
		t.Fatal(err)
	}
	accID, tok := e.withRoles("CONSUMER")
	linkQ := `query($id: ID!) { certificate(id: $id, useFor: SHARED_APPLICATION) { file { format size sm3 sha256 } fileLink { format url expiresAt } } }`
	download := func(url string) (int, string, []byte) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	files := map[string][]byte{}
	for i, want := range []string{"application/pdf", "application/ofd"} {
		r := e.gql(tok, linkQ, map[string]any{"id": certs[i].ID}).must(t)
		st, ct, body := download(r.str("certificate.fileLink.url"))
		if st != 200 || ct != want {
			t.Fatalf("download %d: HTTP %d %s: %.200s", i, st, ct, body)
		}
		if gmcrypto.SHA256Hex(body) != r.str("certificate.file.sha256") || gmcrypto.SM3Hex(body) != r.str("certificate.file.sm3") {
			t.Fatal("downloaded bytes do not match the published digests")
		}
		files[want] = body
	}
	// pdfsig, the external check, accepts the platform's PDF signature.
	if _, err := exec.LookPath("pdfsig"); err == nil {
		f := filepath.Join(t.TempDir(), "cert.pdf")
		os.WriteFile(f, files["application/pdf"], 0o644)
		out, _ := exec.Command("pdfsig", "-nocert", "-no-ocsp", f).CombinedOutput()
		if !strings.Contains(string(out), "Signature is Valid") {
			t.Fatalf("pdfsig on the issued PDF:\n%s", out)
		}
	} else {
		t.Log("pdfsig not installed: external PDF check skipped (apt-get install poppler-utils)")
	}
	// Every download is audited with the minting account and useFor.
	var n int64
	e.app.store.Gorm().Model(&models.AccessRecord{}).Where("account_id = ? AND operation = ? AND channel = ? AND use_for = ?", accID, "download", "FILE", "01").Count(&n)
	if n != 2 {
		t.Fatalf("%d audited downloads, want 2", n)
	}

	vq := `query($f: FileFormat!, $e: String!) { verifyByFile(format: $f, fileEntity: $e) { result detail dataVerify signVerify certificateId signatures { kind valid trusted detail } } }`
	for format, body := range map[string][]byte{"PDF": files["application/pdf"], "OFD": files["application/ofd"]} {
		r := e.gql(tok, vq, map[string]any{"f": format, "e": base64.StdEncoding.EncodeToString(body)}).must(t)
		if r.get("verifyByFile.result") != true || r.get("verifyByFile.signatures.0.trusted") != true {
			t.Fatalf("%s issued file: %s", format, r.Raw)
		}
	}
	// One changed byte: the PDF's signature fails; the OFD's seal names the file.
	pdf := bytes.Clone(files["application/pdf"])
	i := bytes.Index(pdf, []byte("BT"))
	pdf[i+1] ^= 0x01
	r := e.gql(tok, vq, map[string]any{"f": "PDF", "e": base64.StdEncoding.EncodeToString(pdf)}).must(t)
	if r.get("verifyByFile.result") != false || r.get("verifyByFile.signatures.0.valid") != false {
		t.Fatalf("changed PDF: %s", r.Raw)
	}
	ofdChanged := rewriteZipEntry(t, files["application/ofd"], "Content.xml")
	r = e.gql(tok, vq, map[string]any{"f": "OFD", "e": base64.StdEncoding.EncodeToString(ofdChanged)}).must(t)
	if r.get("verifyByFile.result") != false || !strings.Contains(string(r.Raw), "Content.xml") {
		t.Fatalf("changed OFD does not name the file: %s", r.Raw)
	}
	if l := e.legacyJSON("/api/cert/verify/by-file", map[string]any{"data": map[string]any{"fileFormat": "ofd", "fileEntity": base64.StdEncoding.EncodeToString(ofdChanged)}},
		"X-Account-Id", accID, "X-Access-Token", tok); !strings.Contains(l.str("data.signVerify"), "Content.xml 被改动或缺失") {
		t.Fatalf("changed OFD: the legacy answer does not name the file: %s", l.Raw)
	}
	// A real sealed OFD from other software: the seal verifies, but it is no certificate of ours.
	ref, err := os.ReadFile("internal/ofd/testdata/SESV4SignDoc.ofd")
	if err != nil {
		t.Fatal(err)
	}
	r = e.gql(tok, vq, map[string]any{"f": "OFD", "e": base64.StdEncoding.EncodeToString(ref)}).must(t)
	if r.get("verifyByFile.result") != false || r.get("verifyByFile.signatures.0.valid") != true || r.get("verifyByFile.signatures.0.kind") != "OFD_SES_V4" {
		t.Fatalf("reference OFD: %s", r.Raw)
	}

	// Bad input: each a specific error, nothing changes.
	zipNotOFD := func() string {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		w, _ := z.Create("hello.txt")
		w.Write([]byte("hi"))
		z.Close()
		return base64.StdEncoding.EncodeToString(b.Bytes())
	}()
	for name, c := range map[string]struct{ f, e, want string }{
		"malformed base64": {"PDF", "%%%not base64", "base64"},
		"pdf that is not":  {"PDF", base64.StdEncoding.EncodeToString([]byte("hello")), "not a PDF"},
		"ofd declared pdf": {"PDF", base64.StdEncoding.EncodeToString(files["application/ofd"]), "not a PDF"},
		"zip not an OFD":   {"OFD", zipNotOFD, "not an OFD"},
		"oversized":        {"PDF", base64.StdEncoding.EncodeToString(append([]byte("%PDF-"), make([]byte, models.MaxFileSize)...)), "larger than the limit"},
	} {
		r := e.gql(tok, vq, map[string]any{"f": c.f, "e": c.e})
		if r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, c.want) {
			t.Errorf("%s: %s", name, r.Raw)
		}
	}

	// Links: forged → 403; changed file → 410; revoked → 410; expired → 410.
	link := e.gql(tok, linkQ, map[string]any{"id": certs[0].ID}).must(t).str("certificate.fileLink.url")
	if st, _, _ := download(link[:len(link)-3] + "AAA"); st != http.StatusForbidden {
		t.Fatalf("forged link: HTTP %d", st)
	}
	if _, err := e.app.writer.IssueFile(ctx, certs[0].ID, models.FormatOFD); err != nil {
		t.Fatal(err)
	}
	if st, _, body := download(link); st != http.StatusGone || !strings.Contains(string(body), "changed") {
		t.Fatalf("link to a replaced file: HTTP %d %s", st, body)
	}
	link = e.gql(tok, linkQ, map[string]any{"id": certs[1].ID}).must(t).str("certificate.fileLink.url")
	time.Sleep(3100 * time.Millisecond)
	if st, _, body := download(link); st != http.StatusGone || !strings.Contains(string(body), "expired") {
		t.Fatalf("expired link: HTTP %d %s", st, body)
	}
}

// rewriteZipEntry returns a copy of an OFD with one byte changed in the first
// entry whose name ends with suffix.
func rewriteZipEntry(t *testing.T, data []byte, suffix string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	done := false
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !done && strings.HasSuffix(f.Name, suffix) {
			i := bytes.LastIndex(b, []byte(">"))
			b[i-1] ^= 0x01
			done = true
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	if !done {
		t.Fatalf("no entry %s", suffix)
	}
	return out.Bytes()
}

func TestAttachFile(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(2, 2)
	// Issue a signed PDF for certs[1] and take its bytes as "the issuer's file" for certs[0].
	f, err := e.app.writer.IssueFile(t.Context(), certs[1].ID, models.FormatPDF)
	if err != nil {
		t.Fatal(err)
	}
	q := `mutation($id: ID!, $f: FileFormat!, $e: String!) { attachFile(certificateId: $id, format: $f, fileEntity: $e) { format size sm3 sha256 } }`
	vars := map[string]any{"id": certs[0].ID, "f": "PDF", "e": base64.StdEncoding.EncodeToString(f.Content)}
	if r := e.gql(e.consumer(), q, vars); r.code() != "FORBIDDEN" {
		t.Fatalf("consumer attaching: %s", r.Raw)
	}
	_, otherIssuer := e.withRoles("ISSUER")
	if r := e.gql(otherIssuer, q, vars); r.code() != "FORBIDDEN" {
		t.Fatalf("issuer of another department attaching: %s", r.Raw)
	}
	r := e.gql(testAdminToken, q, vars).must(t)
	if r.str("attachFile.sha256") != gmcrypto.SHA256Hex(f.Content) || r.get("attachFile.size") != float64(len(f.Content)) {
		t.Fatalf("attachFile: %s", r.Raw)
	}
	vars["e"] = "bm90IGEgcGRm" // "not a pdf"
	if r := e.gql(testAdminToken, q, vars); r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "fileEntity" {
		t.Fatalf("attaching garbage: %s", r.Raw)
	}
	// The bad attempt changed nothing.
	m := e.gql(testAdminToken, `query($id: ID!) { certificate(id: $id, useFor: OTHER) { file { sha256 } } }`, map[string]any{"id": certs[0].ID}).must(t)
	if m.str("certificate.file.sha256") != gmcrypto.SHA256Hex(f.Content) {
		t.Fatalf("file after a rejected attach: %s", m.Raw)
	}
}
