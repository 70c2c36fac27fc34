// Package keys holds the node's key material on disk — the SM2 key and
// certificate, the SM4 keys of encrypted identifiers, the PDF signing key
// and the HMAC key of download links — creating it on first start, and
// mints and opens signed download links.
package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"certgraph/internal/gmcrypto"
	"certgraph/internal/pdfdoc"
	"certgraph/models"
)

// Trust is the node's key material and the lifetimes of what it makes: the
// SM2 key that signs certificate data and seals OFD files, the SM4 keys of
// encrypted identifiers, the ECDSA key that signs PDFs (Go's x509 has no
// SM2), and the HMAC key of download links.
type Trust struct {
	Keys        *gmcrypto.KeyPair
	Sealer      *gmcrypto.Sealer
	PDFSigner   pdfdoc.Signer
	LinkKey     []byte
	FileLinkTTL time.Duration
	// Secrets seals small secrets stored in the database (the hub's copies
	// of node tokens, a node's credential for the hub).
	Secrets *gmcrypto.SecretBox
	// HolderDigestKey is the hub's key of holder digests in the national
	// directory (used at the hub; a node gets the hub's at registration).
	HolderDigestKey []byte
}

// Load loads the node's keys from dir, creating them on first start.
// Nodes behind one load balancer must share dir's contents.
func Load(dir string, encryptedIDTTL, fileLinkTTL time.Duration) (*Trust, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	kp, err := gmcrypto.LoadOrCreate(dir)
	if err != nil {
		return nil, fmt.Errorf("SM2 key: %w", err)
	}
	sealer, err := gmcrypto.LoadOrCreateSealer(dir, encryptedIDTTL)
	if err != nil {
		return nil, fmt.Errorf("SM4 keys: %w", err)
	}
	pdfSigner, err := loadOrCreatePDFSigner(dir)
	if err != nil {
		return nil, fmt.Errorf("PDF signing key: %w", err)
	}
	linkKey, err := loadOrCreateSecret(filepath.Join(dir, "file-link.key"))
	if err != nil {
		return nil, fmt.Errorf("file link key: %w", err)
	}
	secrets, err := gmcrypto.LoadOrCreateSecretBox(dir)
	if err != nil {
		return nil, fmt.Errorf("secret box key: %w", err)
	}
	digestKey, err := loadOrCreateSecret(filepath.Join(dir, "holder-digest.key"))
	if err != nil {
		return nil, fmt.Errorf("holder digest key: %w", err)
	}
	return &Trust{Keys: kp, Sealer: sealer, PDFSigner: pdfSigner, LinkKey: linkKey, FileLinkTTL: fileLinkTTL,
		Secrets: secrets, HolderDigestKey: digestKey[:32]}, nil
}

func loadOrCreateSecret(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("%s does not hold a base64 key of at least 32 bytes", path)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	if err := writeNew(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n")); err != nil {
		return nil, err
	}
	return loadOrCreateSecret(path) // another process may have won the race
}

// writeNew creates path with data unless it exists (0600, written whole).
func writeNew(path string, data []byte) error {
	tmp := path + ".tmp" + fmt.Sprint(time.Now().UnixNano())
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

func loadOrCreatePDFSigner(dir string) (pdfdoc.Signer, error) {
	keyPath, certPath := filepath.Join(dir, "pdf-signing-key.pem"), filepath.Join(dir, "pdf-signing-cert.pem")
	if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return pdfdoc.Signer{}, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return pdfdoc.Signer{}, err
		}
		certDER, err := pdfdoc.NewSelfSignedCert(key, "certgraph electronic certificate platform")
		if err != nil {
			return pdfdoc.Signer{}, err
		}
		if err := writeNew(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})); err != nil {
			return pdfdoc.Signer{}, err
		}
		if err := writeNew(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
			return pdfdoc.Signer{}, err
		}
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return pdfdoc.Signer{}, err
	}
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return pdfdoc.Signer{}, err
	}
	kblk, _ := pem.Decode(kb)
	cblk, _ := pem.Decode(cb)
	if kblk == nil || cblk == nil {
		return pdfdoc.Signer{}, fmt.Errorf("%s or %s is not PEM", keyPath, certPath)
	}
	k, err := x509.ParsePKCS8PrivateKey(kblk.Bytes)
	if err != nil {
		return pdfdoc.Signer{}, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return pdfdoc.Signer{}, fmt.Errorf("%s is not an ECDSA key", keyPath)
	}
	cert, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return pdfdoc.Signer{}, err
	}
	// Location is set per signature by the writer (the node's province).
	return pdfdoc.Signer{Key: key, Cert: cert, Name: "certgraph", Reason: "electronic certificate"}, nil
}

// FileLink is what a download link carries, signed: which file (by
// certificate and content digest), until when, and the account and useFor
// of the read that minted it (the download is audited under them).
type FileLink struct {
	CertificateID string        `json:"c"`
	SHA256        string        `json:"h"`
	Expires       int64         `json:"e"`
	AccountID     string        `json:"a"`
	UseFor        models.UseFor `json:"u"`
}

// Errors of download links, told apart so /files can answer precisely.
var (
	ErrLinkForged  = errors.New("the link's signature is not valid (forged or altered link)")
	ErrLinkExpired = errors.New("the link has expired")
)

// MintLink signs l into a download-link token.
func (t *Trust) MintLink(l FileLink) string {
	payload, _ := json.Marshal(l)
	mac := hmac.New(sha256.New, t.LinkKey)
	mac.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// OpenLink checks a token's signature and expiry at now and returns its link.
func (t *Trust) OpenLink(token string, now time.Time) (FileLink, error) {
	p, s, ok := strings.Cut(token, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	sig, err2 := base64.RawURLEncoding.DecodeString(s)
	if !ok || err1 != nil || err2 != nil {
		return FileLink{}, ErrLinkForged
	}
	mac := hmac.New(sha256.New, t.LinkKey)
	mac.Write(payload)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return FileLink{}, ErrLinkForged
	}
	var l FileLink
	if err := json.Unmarshal(payload, &l); err != nil {
		return FileLink{}, ErrLinkForged
	}
	if now.Unix() >= l.Expires {
		return l, fmt.Errorf("%w at %s", ErrLinkExpired, time.Unix(l.Expires, 0).UTC().Format(time.RFC3339))
	}
	return l, nil
}
