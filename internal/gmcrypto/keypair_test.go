package gmcrypto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"
)

func TestLoadOrCreatePersistsKeyAndCertificate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	kp, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %o, want 600", perm)
	}
	keyPEM, _ := os.ReadFile(filepath.Join(dir, KeyFileName))
	if b, _ := pem.Decode(keyPEM); b == nil || b.Type != "PRIVATE KEY" {
		t.Fatalf("key file is not a PKCS#8 PEM block: %q", keyPEM)
	}
	if _, err := smx509.ParsePKCS8PrivateKey(mustDecodePEM(t, keyPEM)); err != nil {
		t.Fatalf("key file does not parse as PKCS#8: %v", err)
	}
	certPEM, _ := os.ReadFile(filepath.Join(dir, CertFileName))
	if !bytes.Equal(certPEM, kp.CertificatePEM()) {
		t.Error("certificate file differs from CertificatePEM()")
	}

	again, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.PublicKeyPEM(), kp.PublicKeyPEM()) || !bytes.Equal(again.CertificatePEM(), kp.CertificatePEM()) {
		t.Fatal("second LoadOrCreate made a new key or certificate instead of loading")
	}

	cert := kp.Certificate()
	if cert.SignatureAlgorithm != smx509.SM2WithSM3 {
		t.Errorf("certificate signature algorithm %v, want SM2-SM3", cert.SignatureAlgorithm)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		t.Errorf("self-signed certificate does not verify: %v", err)
	}
	if cert.Subject.CommonName != CertificateCommonName {
		t.Errorf("subject CN %q", cert.Subject.CommonName)
	}
}

func TestLoadOrCreateRecreatesMissingCertificate(t *testing.T) {
	dir := t.TempDir()
	kp, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, CertFileName)); err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.PublicKeyPEM(), kp.PublicKeyPEM()) {
		t.Fatal("key changed")
	}
	if _, err := os.Stat(filepath.Join(dir, CertFileName)); err != nil {
		t.Fatal("certificate not re-created")
	}
}

func TestLoadOrCreateRefusesCertificateWithoutKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreate(dir); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, KeyFileName))
	if _, err := LoadOrCreate(dir); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("got %v, want an error about the missing key", err)
	}
}

func TestLoadOrCreateRejectsMismatchedCertificate(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := LoadOrCreate(a); err != nil {
		t.Fatal(err)
	}
	other, err := LoadOrCreate(b)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(a, CertFileName), other.CertificatePEM(), 0o644)
	if _, err := LoadOrCreate(a); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("got %v, want ErrKeyMismatch", err)
	}
}

func TestLoad(t *testing.T) {
	kp, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Key only: a certificate is made.
	k1, err := Load(kp.PrivateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKeyPEM(), kp.PublicKeyPEM()) || len(k1.CertificatePEM()) == 0 {
		t.Fatal("Load(key) lost the key or made no certificate")
	}
	// Key + certificate: the certificate is kept.
	both := append(kp.PrivateKeyPEM(), kp.CertificatePEM()...)
	k2, err := Load(both)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k2.CertificatePEM(), kp.CertificatePEM()) {
		t.Fatal("Load(key+cert) replaced the certificate")
	}
	// Key + someone else's certificate.
	if _, err := Load(append(kp.PrivateKeyPEM(), k1.CertificatePEM()...)); err != nil {
		t.Fatalf("k1's certificate is for the same key: %v", err)
	}
	other, _ := LoadOrCreate(t.TempDir())
	if _, err := Load(append(kp.PrivateKeyPEM(), other.CertificatePEM()...)); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("got %v, want ErrKeyMismatch", err)
	}
	// Not SM2: a NIST P-256 key.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	if _, err := Load(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err == nil || !strings.Contains(err.Error(), "SM2") {
		t.Fatalf("P-256 key: got %v, want an error naming SM2", err)
	}
	for name, in := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not pem"),
		"wrongtype": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1}}),
		"badder":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"twokeys":   append(kp.PrivateKeyPEM(), kp.PrivateKeyPEM()...),
	} {
		if _, err := Load(in); err == nil {
			t.Errorf("Load(%s) succeeded", name)
		}
	}
}

func TestSignVerifyWithRelyingPartyKey(t *testing.T) {
	kp, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F|张三|2024年01月01日")
	sig, err := kp.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	// A relying party has only the published PEM text.
	for name, published := range map[string][]byte{"public key": kp.PublicKeyPEM(), "certificate": kp.CertificatePEM()} {
		pub, err := ParsePublicKeyPEM(published)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !Verify(pub, msg, sig) {
			t.Fatalf("%s: valid signature rejected", name)
		}
		for bit := 0; bit < len(msg)*8; bit += 13 {
			bad := bytes.Clone(msg)
			bad[bit/8] ^= 1 << (bit % 8)
			if Verify(pub, bad, sig) {
				t.Fatalf("%s: signature accepted for message with bit %d flipped", name, bit)
			}
		}
		for bit := 0; bit < len(sig)*8; bit += 7 {
			bad := bytes.Clone(sig)
			bad[bit/8] ^= 1 << (bit % 8)
			if Verify(pub, msg, bad) {
				t.Fatalf("%s: signature with bit %d flipped accepted", name, bit)
			}
		}
	}
	other, _ := LoadOrCreate(t.TempDir())
	if Verify(other.PublicKey(), msg, sig) {
		t.Fatal("signature verified under another key")
	}
	if Verify(nil, msg, sig) {
		t.Fatal("nil key verified")
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if Verify(&ec.PublicKey, msg, sig) {
		t.Fatal("P-256 key verified")
	}
	// The signature is randomised but both verify.
	sig2, _ := kp.Sign(msg)
	if bytes.Equal(sig, sig2) || !Verify(kp.PublicKey(), msg, sig2) {
		t.Fatal("second signature identical or invalid")
	}
}

func TestParsePublicKeyPEMErrors(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for name, in := range map[string][]byte{
		"empty":  nil,
		"type":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}),
		"der":    pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}),
		"p256":   pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"badcrt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}),
	} {
		if _, err := ParsePublicKeyPEM(in); err == nil {
			t.Errorf("ParsePublicKeyPEM(%s) succeeded", name)
		}
	}
}

// TestOpenSSLInterop checks the signatures are GM/T 0009 SM2 signatures with
// the default user ID, as other software sees them: OpenSSL verifies ours,
// and we verify OpenSSL's, and OpenSSL accepts the self-signed certificate.
func TestOpenSSLInterop(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed: cannot cross-check SM2 signatures")
	}
	dir := t.TempDir()
	if out, err := exec.Command(openssl, "genpkey", "-algorithm", "SM2", "-out", filepath.Join(dir, "theirs.pem")).CombinedOutput(); err != nil {
		t.Skipf("this openssl has no SM2: %v: %s", err, out)
	}
	kp, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("电子证照 interop message")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	msgPath := write("msg", msg)
	run := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		return string(out), err
	}

	// Ours, verified by OpenSSL from the public key and from the certificate.
	sig, _ := kp.Sign(msg)
	sigPath := write("sig.ours", sig)
	pubPath := write("pub.ours.pem", kp.PublicKeyPEM())
	if out, err := run("dgst", "-sm3", "-verify", pubPath, "-sigopt", "distid:1234567812345678", "-signature", sigPath, msgPath); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("openssl rejected our signature: %v: %s", err, out)
	}
	badPath := write("msg.bad", append(bytes.Clone(msg[:len(msg)-1]), msg[len(msg)-1]^1))
	if out, err := run("dgst", "-sm3", "-verify", pubPath, "-sigopt", "distid:1234567812345678", "-signature", sigPath, badPath); err == nil {
		t.Fatalf("openssl accepted our signature over a changed message: %s", out)
	}
	certPath := filepath.Join(dir, CertFileName)
	if out, err := run("x509", "-in", certPath, "-noout", "-pubkey"); err != nil || strings.TrimSpace(out) != strings.TrimSpace(string(kp.PublicKeyPEM())) {
		t.Fatalf("openssl reads a different public key from our certificate: %v: %s", err, out)
	}
	if out, err := run("verify", "-CAfile", certPath, certPath); err != nil || !strings.Contains(out, ": OK") {
		t.Fatalf("openssl does not verify our self-signed SM2 certificate: %v: %s", err, out)
	}

	// Theirs, verified by us from the public key PEM alone.
	if out, err := run("dgst", "-sm3", "-sign", filepath.Join(dir, "theirs.pem"), "-sigopt", "distid:1234567812345678", "-out", filepath.Join(dir, "sig.theirs"), msgPath); err != nil {
		t.Fatalf("openssl sign: %v: %s", err, out)
	}
	pubOut, err := run("pkey", "-in", filepath.Join(dir, "theirs.pem"), "-pubout")
	if err != nil {
		t.Fatalf("openssl pkey: %v: %s", err, pubOut)
	}
	theirPub, err := ParsePublicKeyPEM([]byte(pubOut))
	if err != nil {
		t.Fatal(err)
	}
	theirSig, _ := os.ReadFile(filepath.Join(dir, "sig.theirs"))
	if !Verify(theirPub, msg, theirSig) {
		t.Fatal("OpenSSL's SM2 signature with the default ID does not verify here")
	}
	if Verify(theirPub, msg[1:], theirSig) {
		t.Fatal("OpenSSL's signature verified over another message")
	}
	// Their key loads as a KeyPair (PKCS#8 from other software).
	theirKey, _ := os.ReadFile(filepath.Join(dir, "theirs.pem"))
	if _, err := Load(theirKey); err != nil {
		t.Fatalf("Load(OpenSSL SM2 PKCS#8 key): %v", err)
	}
}

func mustDecodePEM(t *testing.T, b []byte) []byte {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM block")
	}
	return blk.Bytes
}

func TestDigests(t *testing.T) {
	// GB/T 32905-2016 example 1 and FIPS 180-2 "abc".
	if got := SM3Hex([]byte("abc")); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Errorf("SM3Hex(abc) = %s", got)
	}
	if got := SM3Hex([]byte(strings.Repeat("abcd", 16))); got != "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732" {
		t.Errorf("SM3Hex(abcd×16) = %s", got)
	}
	if got := SHA256Hex([]byte("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("SHA256Hex(abc) = %s", got)
	}
}
