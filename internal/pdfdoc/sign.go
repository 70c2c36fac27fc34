package pdfdoc

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// Signer is who signs a PDF: the private key, its certificate and the
// optional texts written into the signature dictionary.
type Signer struct {
	Key  crypto.Signer     // ECDSA or RSA private key (Go's x509 has no SM2)
	Cert *x509.Certificate // certificate of Key's public key
	// Chain holds intermediate CA certificates to embed, leaf excluded.
	Chain []*x509.Certificate
	// Name, Reason, Location and ContactInfo are optional texts shown by
	// PDF viewers. See Sign for the characters they cannot contain.
	Name, Reason, Location, ContactInfo string
}

// oidDocumentSigning is the RFC 9336 id-kp-documentSigning extended key usage.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// NewSelfSignedCert makes a DER-encoded self-signed X.509 certificate for
// key with the given subject common name, valid from one hour ago for ten
// years, with the digitalSignature and nonRepudiation key usages and the
// documentSigning extended key usage that PDF signing certificates carry.
// Verify reports signatures made with it as cryptographically valid but
// untrusted unless the certificate is passed in VerifyOptions.Roots.
func NewSelfSignedCert(key crypto.Signer, commonName string) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: key is nil", ErrInvalidSigner)
	}
	if !utf8.ValidString(commonName) || strings.TrimSpace(commonName) == "" {
		return nil, fmt.Errorf("%w: commonName must be non-empty UTF-8", ErrInvalidSigner)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour), // tolerate clock skew between nodes
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidDocumentSigning},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("%w: creating certificate: %v", ErrInvalidSigner, err)
	}
	return der, nil
}

// Sign returns pdfBytes with a detached CMS signature (SubFilter
// adbe.pkcs7.detached, SHA-256) appended as an incremental update, made with
// github.com/digitorus/pdfsign. An unsigned input gets a certification
// (DocMDP, form filling and signing still allowed) signature; an already
// signed one gets an approval signature, since a PDF may hold only one
// certification signature. No time-stamp authority is contacted.
//
// pdfsign writes non-ASCII Name/Reason/Location/ContactInfo as UTF-16BE
// inside an unescaped literal string, so a text whose UTF-16 bytes include
// an unbalanced parenthesis, a backslash or a carriage return (for example
// 局 U+5C40 or 不 U+4E0D) would corrupt the signature dictionary; Sign
// rejects such texts with ErrInvalidSigner instead of writing a broken file.
func Sign(pdfBytes []byte, s Signer) ([]byte, error) {
	if err := checkHeader(pdfBytes); err != nil {
		return nil, err
	}
	if err := checkSigner(s); err != nil {
		return nil, err
	}
	rdr, err := openPDF(pdfBytes)
	if err != nil {
		return nil, err
	}
	certType := sign.CertificationSignature
	if len(scanByteRanges(pdfBytes)) > 0 {
		certType = sign.ApprovalSignature
	}
	// The dictionary's /M and the CMS signingTime attribute (which pkcs7
	// always sets to the current time) then agree.
	when := time.Now()
	data := sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name:        s.Name,
				Location:    s.Location,
				Reason:      s.Reason,
				ContactInfo: s.ContactInfo,
				Date:        when,
			},
			CertType:   certType,
			DocMDPPerm: sign.AllowFillingExistingFormFieldsAndSignaturesPerms,
		},
		Signer:          s.Key,
		DigestAlgorithm: crypto.SHA256,
		Certificate:     s.Cert,
	}
	if len(s.Chain) > 0 {
		data.CertificateChains = [][]*x509.Certificate{append([]*x509.Certificate{s.Cert}, s.Chain...)}
	}
	var out bytes.Buffer
	if err := signRecovering(pdfBytes, &out, rdr, data); err != nil {
		return nil, fmt.Errorf("pdfdoc: signing: %w", err)
	}
	return out.Bytes(), nil
}

// signRecovering calls pdfsign, turning a panic on unusual input into an error.
func signRecovering(in []byte, out *bytes.Buffer, rdr *pdf.Reader, data sign.SignData) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrMalformedPDF, r)
		}
	}()
	return sign.Sign(bytes.NewReader(in), out, rdr, int64(len(in)), data)
}

func checkSigner(s Signer) error {
	if s.Key == nil {
		return fmt.Errorf("%w: Key is nil", ErrInvalidSigner)
	}
	if s.Cert == nil {
		return fmt.Errorf("%w: Cert is nil", ErrInvalidSigner)
	}
	pub, ok := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.Cert.PublicKey) {
		return fmt.Errorf("%w: Cert does not certify Key's public key", ErrInvalidSigner)
	}
	for _, f := range []struct{ name, text string }{
		{"Name", s.Name}, {"Reason", s.Reason}, {"Location", s.Location}, {"ContactInfo", s.ContactInfo},
	} {
		if err := checkLiteralSafe(f.text); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidSigner, f.name, err)
		}
	}
	return nil
}

// checkLiteralSafe tells whether pdfsign can write s into a literal string
// without corrupting it (see Sign).
func checkLiteralSafe(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return nil // pdfsign escapes parentheses, backslashes and CR in ASCII text
	}
	depth := 0
	for _, r := range s {
		units := utf16.Encode([]rune{r})
		for _, u := range units {
			for _, b := range []byte{byte(u >> 8), byte(u)} {
				switch b {
				case '(':
					depth++
				case ')':
					depth--
				case '\\', '\r':
					return fmt.Errorf("character %q (U+%04X) cannot be written by pdfsign", r, r)
				}
				if depth < 0 {
					return fmt.Errorf("character %q (U+%04X) cannot be written by pdfsign", r, r)
				}
			}
		}
	}
	if depth != 0 {
		return fmt.Errorf("its UTF-16 form has unbalanced parentheses, which pdfsign cannot write")
	}
	return nil
}

// openPDF parses the file structure with digitorus/pdf, which panics on
// some malformed input.
func openPDF(b []byte) (rdr *pdf.Reader, err error) {
	defer func() {
		if r := recover(); r != nil {
			rdr, err = nil, fmt.Errorf("%w: %v", ErrMalformedPDF, r)
		}
	}()
	rdr, err = pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedPDF, err)
	}
	return rdr, nil
}

// checkHeader rejects empty input and input without a PDF header. Readers
// accept the header within the first 1024 bytes.
func checkHeader(b []byte) error {
	if len(b) == 0 {
		return ErrEmptyInput
	}
	head := b[:min(len(b), 1024)]
	if !bytes.Contains(head, []byte("%PDF-")) {
		return ErrNotPDF
	}
	return nil
}
