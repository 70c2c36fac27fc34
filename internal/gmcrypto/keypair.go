// Package gmcrypto holds the platform's Chinese national (商用密码) cryptography:
// its SM2 signing key and self-signed certificate, SM2-with-SM3 signatures
// (GM/T 0009 default user ID), SM3/SHA-256 digests, and the SM4-GCM sealed,
// expiring certificate identifiers shown as QR codes (spec 6.4.3, 亮证).
package gmcrypto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// File names inside the key directory given to LoadOrCreate.
const (
	KeyFileName  = "sm2-signing-key.pem"  // PKCS#8 private key, mode 0600
	CertFileName = "sm2-signing-cert.pem" // self-signed certificate, public
)

// CertificateCommonName is the subject common name of the self-signed
// certificate made for a new key.
const CertificateCommonName = "certgraph electronic certificate platform signing key"

// certificateValidity is how long a self-signed certificate is valid; the
// key is long-lived and the certificate only publishes it.
const certificateValidity = 20 * 365 * 24 * time.Hour

// PEM block types used here.
const (
	pemPrivateKey  = "PRIVATE KEY"
	pemPublicKey   = "PUBLIC KEY"
	pemCertificate = "CERTIFICATE"
)

// ErrKeyMismatch means a certificate does not certify the private key it was
// stored with.
var ErrKeyMismatch = errors.New("certificate public key does not match the private key")

// KeyPair is the platform's SM2 signing key with the self-signed SM2 X.509
// certificate that publishes its public key.
type KeyPair struct {
	priv    *sm2.PrivateKey
	cert    *smx509.Certificate
	keyPEM  []byte
	certPEM []byte
}

// LoadOrCreate loads the key pair kept in dir, creating dir, a new SM2 key
// (PKCS#8 PEM, mode 0600) and its self-signed certificate on first use. If
// the key exists but the certificate does not, a certificate is made and
// stored. A certificate without its key is an error: the key cannot be
// recovered, and replacing it silently would invalidate every signature
// relying parties hold, so an operator must remove the stale file.
// Concurrent first calls from several processes end with one shared key.
func LoadOrCreate(dir string) (*KeyPair, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gmcrypto: key directory: %w", err)
	}
	keyPath, certPath := filepath.Join(dir, KeyFileName), filepath.Join(dir, CertFileName)
	keyPEM, err := os.ReadFile(keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, cerr := os.Stat(certPath); cerr == nil {
			return nil, fmt.Errorf("gmcrypto: %s exists but its key %s is missing; remove the certificate to create a new key", certPath, keyPath)
		}
		priv, gerr := sm2.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, fmt.Errorf("gmcrypto: generate SM2 key: %w", gerr)
		}
		der, merr := smx509.MarshalPKCS8PrivateKey(priv)
		if merr != nil {
			return nil, fmt.Errorf("gmcrypto: encode SM2 key: %w", merr)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der})
		created, werr := writeNewFile(keyPath, keyPEM, 0o600)
		if werr != nil {
			return nil, fmt.Errorf("gmcrypto: store SM2 key: %w", werr)
		}
		if !created { // another process won the race: use its key
			if keyPEM, err = os.ReadFile(keyPath); err != nil {
				return nil, fmt.Errorf("gmcrypto: read SM2 key: %w", err)
			}
		}
	case err != nil:
		return nil, fmt.Errorf("gmcrypto: read SM2 key: %w", err)
	}
	priv, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: %s: %w", keyPath, err)
	}
	kp := &KeyPair{priv: priv, keyPEM: keyPEM}

	certPEM, err := os.ReadFile(certPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := kp.selfSign(); err != nil {
			return nil, err
		}
		created, werr := writeNewFile(certPath, kp.certPEM, 0o644)
		if werr != nil {
			return nil, fmt.Errorf("gmcrypto: store certificate: %w", werr)
		}
		if created {
			return kp, nil
		}
		if certPEM, err = os.ReadFile(certPath); err != nil {
			return nil, fmt.Errorf("gmcrypto: read certificate: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("gmcrypto: read certificate: %w", err)
	}
	if err := kp.setCertificatePEM(certPEM); err != nil {
		return nil, fmt.Errorf("gmcrypto: %s: %w", certPath, err)
	}
	return kp, nil
}

// Load builds a key pair from PEM text holding one PKCS#8 "PRIVATE KEY" block
// for an SM2 key and, optionally, a "CERTIFICATE" block for it. Without a
// certificate block a new self-signed certificate is made.
func Load(pemBytes []byte) (*KeyPair, error) {
	var keyBlock, certBlock *pem.Block
	rest := pemBytes
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case pemPrivateKey:
			if keyBlock != nil {
				return nil, errors.New("gmcrypto: more than one PRIVATE KEY block")
			}
			keyBlock = b
		case pemCertificate:
			if certBlock != nil {
				return nil, errors.New("gmcrypto: more than one CERTIFICATE block")
			}
			certBlock = b
		default:
			return nil, fmt.Errorf("gmcrypto: unexpected PEM block %q (want PRIVATE KEY and optionally CERTIFICATE)", b.Type)
		}
	}
	if keyBlock == nil {
		return nil, errors.New("gmcrypto: no PEM \"PRIVATE KEY\" block found")
	}
	keyPEM := pem.EncodeToMemory(keyBlock)
	priv, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: %w", err)
	}
	kp := &KeyPair{priv: priv, keyPEM: keyPEM}
	if certBlock == nil {
		if err := kp.selfSign(); err != nil {
			return nil, err
		}
		return kp, nil
	}
	if err := kp.setCertificatePEM(pem.EncodeToMemory(certBlock)); err != nil {
		return nil, fmt.Errorf("gmcrypto: %w", err)
	}
	return kp, nil
}

// parsePrivateKeyPEM decodes a PKCS#8 PEM private key and insists it is SM2.
func parsePrivateKeyPEM(b []byte) (*sm2.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != pemPrivateKey {
		return nil, errors.New("no PEM \"PRIVATE KEY\" block")
	}
	key, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#8 private key: %w", err)
	}
	priv, ok := key.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want an SM2 key", key)
	}
	return priv, nil
}

// selfSign makes a self-signed SM2-with-SM3 certificate for the key.
func (kp *KeyPair) selfSign() error {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return fmt.Errorf("gmcrypto: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: CertificateCommonName, Organization: []string{"certgraph"}},
		NotBefore:             now.Add(-time.Hour), // tolerate relying parties' clock skew
		NotAfter:              now.Add(certificateValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &kp.priv.PublicKey, kp.priv)
	if err != nil {
		return fmt.Errorf("gmcrypto: create self-signed certificate: %w", err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("gmcrypto: parse new certificate: %w", err)
	}
	kp.cert = cert
	kp.certPEM = pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der})
	return nil
}

// setCertificatePEM parses a certificate and checks it certifies the key.
func (kp *KeyPair) setCertificatePEM(b []byte) error {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != pemCertificate {
		return errors.New("no PEM \"CERTIFICATE\" block")
	}
	cert, err := smx509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("parse certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&kp.priv.PublicKey) {
		return ErrKeyMismatch
	}
	kp.cert = cert
	kp.certPEM = pem.EncodeToMemory(block)
	return nil
}

// writeNewFile writes data to path only if path does not exist yet, never
// exposing a partly written file: it writes a temporary file and hard-links
// it into place, which fails if another writer got there first. It reports
// whether this call created the file.
func writeNewFile(path string, data []byte, perm os.FileMode) (bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// PublicKey returns the SM2 public key.
func (kp *KeyPair) PublicKey() *ecdsa.PublicKey { return &kp.priv.PublicKey }

// Certificate returns the self-signed certificate publishing the public key.
func (kp *KeyPair) Certificate() *smx509.Certificate { return kp.cert }

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" block (PKIX).
func (kp *KeyPair) PublicKeyPEM() []byte {
	der, err := smx509.MarshalPKIXPublicKey(&kp.priv.PublicKey)
	if err != nil { // cannot happen for a key that parsed as SM2
		panic("gmcrypto: marshal SM2 public key: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der})
}

// CertificatePEM returns the self-signed certificate as a PEM block.
func (kp *KeyPair) CertificatePEM() []byte { return bytes.Clone(kp.certPEM) }

// PrivateKeyPEM returns the PKCS#8 PEM private key, for backing it up.
func (kp *KeyPair) PrivateKeyPEM() []byte { return bytes.Clone(kp.keyPEM) }

// ParsePublicKeyPEM reads an SM2 public key as a relying party would: from a
// "PUBLIC KEY" block or from the public key of a "CERTIFICATE" block.
func ParsePublicKeyPEM(b []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("gmcrypto: no PEM block found")
	}
	var key any
	var err error
	switch block.Type {
	case pemPublicKey:
		key, err = smx509.ParsePKIXPublicKey(block.Bytes)
	case pemCertificate:
		var cert *smx509.Certificate
		if cert, err = smx509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("gmcrypto: PEM block %q, want PUBLIC KEY or CERTIFICATE", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: parse %s: %w", block.Type, err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fmt.Errorf("gmcrypto: %s holds a %T, want an SM2 public key", block.Type, key)
	}
	return pub, nil
}

// Sign signs msg with SM2 over SM3, prefixing the GM/T 0009 ZA value for the
// default user ID 1234567812345678, and returns the ASN.1 DER signature.
func (kp *KeyPair) Sign(msg []byte) ([]byte, error) {
	sig, err := kp.priv.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: SM2 sign: %w", err)
	}
	return sig, nil
}

// Verify reports whether sig is a valid ASN.1 DER SM2-with-SM3 signature of
// msg by pub under the default user ID. A nil or non-SM2 key verifies nothing.
func Verify(pub *ecdsa.PublicKey, msg, sig []byte) bool {
	if pub == nil || !sm2.IsSM2PublicKey(pub) || pub.X == nil || pub.Y == nil {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, msg, sig)
}

// PrivateKey returns the SM2 private key, for signers that need it directly
// (OFD seals).
func (kp *KeyPair) PrivateKey() *sm2.PrivateKey { return kp.priv }

// KeyID names the key pair's certificate: the first 16 hex digits of the
// SM3 digest of its DER, stable for as long as the certificate is.
func (kp *KeyPair) KeyID() string { return CertificateKeyID(kp.cert.Raw) }

// CertificateKeyID is KeyID for a certificate's DER bytes.
func CertificateKeyID(der []byte) string { return SM3Hex(der)[:16] }
