package pdfdoc

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"
)

// Result is the outcome of verifying a PDF's signatures.
type Result struct {
	Signatures []SignatureResult
	// Valid is true when the file has at least one signature, every
	// signature is cryptographically valid, and one of them covers the
	// whole file (nothing was appended after the last signature).
	// Certificate trust does not affect Valid; see SignatureResult.Trusted.
	Valid bool
	// Detail says why the file is or is not valid, in one sentence.
	Detail string
}

// SignatureResult is the outcome for one signature of a PDF.
type SignatureResult struct {
	// Name, Reason, Location and ContactInfo come from the signature
	// dictionary; SubFilter is its signature format (adbe.pkcs7.detached or
	// ETSI.CAdES.detached are verified). They are empty when the PDF
	// structure could not be parsed.
	Name, Reason, Location, ContactInfo, SubFilter string
	// Signer is the signer certificate's subject common name (or its whole
	// subject when there is no CN); Certificate is that certificate.
	Signer      string
	Certificate *x509.Certificate
	// SigningTime is the CMS signingTime attribute, or else the dictionary's
	// /M entry; both are claimed by the signer, not proven. Zero if neither.
	SigningTime time.Time
	// ByteRange is the signed part of the file: [offset1 length1 offset2 length2].
	ByteRange [4]int64
	// CoversWholeFile is true when ByteRange spans the whole file apart
	// from the signature value itself.
	CoversWholeFile bool
	// Valid is true when the bytes in ByteRange hash to the signed digest
	// and the CMS signature verifies with the signer certificate.
	Valid bool
	// Trusted is true when the signer certificate chains to a trusted root
	// (VerifyOptions.Roots, or the system roots) and is valid at the signing
	// time, as claimed by the signer (no time-stamp token is evaluated; the
	// current time is used when the signature states none).
	Trusted bool
	// TrustDetail says why the certificate is or is not trusted.
	TrustDetail string
	// Detail says why the signature is or is not valid.
	Detail string
}

// VerifyOptions changes how Verify decides certificate trust.
type VerifyOptions struct {
	// Roots are the trusted root certificates; nil means the system roots.
	// The platform adds its own signing certificate here to trust its PDFs.
	Roots *x509.CertPool
	// Limits are the parsing budgets; zero fields take DefaultLimits.
	Limits Limits
}

// Verify checks every signature of a PDF using the system roots for trust;
// see VerifyWithOptions.
func Verify(pdfBytes []byte) (*Result, error) {
	return VerifyWithOptions(pdfBytes, VerifyOptions{})
}

// VerifyWithOptions finds all signatures of a PDF and checks, for each, that
// its ByteRange is well formed, that the hex string in the ByteRange gap is a
// CMS SignedData whose digest matches the signed bytes and whose signature
// verifies, and whether its certificate is trusted. A PDF without signatures
// gives a Result with Valid false and Detail "no signature". Errors are only
// for input that is not a PDF at all: ErrEmptyInput, ErrNotPDF, ErrMalformedPDF.
//
// Signatures are located from the raw bytes (every "ByteRange" keyword),
// because a signature dictionary must lie uncompressed in the file for its
// ByteRange to make sense, and because tampering that breaks the PDF
// structure must still be reported as a broken signature rather than as
// "not a PDF". The parsed structure, when readable, supplies the signature
// dictionaries' texts and reveals signature fields whose ByteRange was
// damaged. The flip side: the word "ByteRange" in an uncompressed content
// stream of an unsigned file is reported as a malformed signature.
func VerifyWithOptions(pdfBytes []byte, opts VerifyOptions) (*Result, error) {
	if err := checkHeader(pdfBytes); err != nil {
		return nil, err
	}
	lim := opts.Limits.withDefaults()
	raws := scanByteRanges(pdfBytes)
	if len(raws) > lim.MaxSignatures {
		return nil, &LimitError{Budget: "MaxSignatures", Max: int64(lim.MaxSignatures), Where: fmt.Sprintf("the %d ByteRange keywords", len(raws))}
	}
	dicts, parseErr := signatureDicts(pdfBytes, lim)
	if errors.Is(parseErr, ErrLimit) || parseErr != nil && len(raws) == 0 {
		return nil, parseErr
	}
	res := &Result{}
	if len(raws) == 0 && len(dicts) == 0 {
		res.Detail = "no signature"
		return res, nil
	}

	roots := opts.Roots
	if roots == nil {
		if sys, err := x509.SystemCertPool(); err == nil {
			roots = sys
		} else {
			roots = x509.NewCertPool()
		}
	}
	size := int64(len(pdfBytes))
	matched := map[*sigDict]bool{}
	for _, r := range raws {
		if !r.ok {
			res.Signatures = append(res.Signatures, SignatureResult{
				Detail: fmt.Sprintf("the ByteRange at byte %d is not an array of four non-negative integers", r.at),
			})
			continue
		}
		d := findDict(dicts, r.br)
		if d != nil {
			matched[d] = true
		}
		sr, err := verifyOne(pdfBytes, r.br, d, roots, lim)
		if err != nil {
			return nil, err
		}
		res.Signatures = append(res.Signatures, sr)
	}
	// A signature field whose ByteRange is missing or differs from every
	// one in the file bytes has been damaged.
	for _, d := range dicts {
		if matched[d] {
			continue
		}
		sr := SignatureResult{Name: d.name, Reason: d.reason, Location: d.location, ContactInfo: d.contact, SubFilter: d.subFilter}
		if d.hasRange {
			sr.ByteRange = d.br
			sr.Detail = fmt.Sprintf("the signature field's ByteRange %v does not appear in the file bytes", d.br)
		} else {
			sr.Detail = "the signature field has no ByteRange"
		}
		res.Signatures = append(res.Signatures, sr)
	}

	allValid, whole := true, false
	var end int64
	for i, sr := range res.Signatures {
		if !sr.Valid && allValid {
			allValid = false
			res.Detail = fmt.Sprintf("signature %d of %d is invalid: %s", i+1, len(res.Signatures), sr.Detail)
		}
		whole = whole || sr.CoversWholeFile
		end = max(end, sr.ByteRange[2]+sr.ByteRange[3])
	}
	res.Valid = allValid && whole
	switch {
	case !allValid:
	case !whole && end >= size:
		res.Detail = "no signature covers the whole file: the signed ranges do not start at its first byte"
	case !whole:
		res.Detail = fmt.Sprintf("the file was changed after signing: %d bytes after the last signed byte (%d of %d) are not covered by any signature",
			size-end, end, size)
	default:
		res.Detail = fmt.Sprintf("%d signature(s) valid and the file is unchanged since the last signature", len(res.Signatures))
		for _, s := range res.Signatures {
			if !s.Trusted {
				res.Detail += "; signer certificate not trusted (" + s.TrustDetail + ")"
				break
			}
		}
	}
	if parseErr != nil {
		res.Detail += fmt.Sprintf("; the PDF structure could not be parsed (%v)", parseErr)
	}
	return res, nil
}

func findDict(dicts []*sigDict, br [4]int64) *sigDict {
	for _, d := range dicts {
		if d.hasRange && d.br == br {
			return d
		}
	}
	return nil
}

// sigDict holds the texts of one parsed signature dictionary.
type sigDict struct {
	name, reason, location, contact, subFilter, m string

	br       [4]int64
	hasRange bool // whether the dictionary has a four-element ByteRange
}

// verifyOne checks the signature whose ByteRange is br.
func verifyOne(file []byte, br [4]int64, d *sigDict, roots *x509.CertPool, lim Limits) (SignatureResult, error) {
	sr := SignatureResult{ByteRange: br}
	if d != nil {
		sr.Name, sr.Reason, sr.Location, sr.ContactInfo, sr.SubFilter = d.name, d.reason, d.location, d.contact, d.subFilter
		if t, err := parsePDFDate(d.m); err == nil {
			sr.SigningTime = t
		}
	}
	size := int64(len(file))
	gapStart, gapEnd := br[0]+br[1], br[2]
	if br[0] < 0 || br[1] < 0 || br[2] < 0 || br[3] < 0 || gapStart > gapEnd || br[2]+br[3] > size {
		sr.Detail = fmt.Sprintf("ByteRange %v lies outside the %d-byte file or is out of order", br, size)
		return sr, nil
	}
	sr.CoversWholeFile = br[0] == 0 && br[2]+br[3] == size
	switch sr.SubFilter {
	case "", "adbe.pkcs7.detached", "ETSI.CAdES.detached":
	default:
		sr.Detail = "unsupported signature format " + sr.SubFilter
		return sr, nil
	}
	der, err := decodeContents(file[gapStart:gapEnd])
	if err != nil {
		sr.Detail = "the bytes excluded by ByteRange are not the signature value: " + err.Error()
		return sr, nil
	}
	if err := checkBER(der, lim); err != nil {
		return sr, err
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		sr.Detail = "signature value is not a CMS SignedData: " + err.Error()
		return sr, nil
	}
	if len(p7.Signers) != 1 {
		sr.Detail = fmt.Sprintf("CMS SignedData has %d signers, want 1", len(p7.Signers))
		return sr, nil
	}
	ee := p7.GetOnlySigner()
	if ee == nil {
		sr.Detail = "CMS SignedData does not contain the signer's certificate"
		return sr, nil
	}
	sr.Certificate = ee
	sr.Signer = ee.Subject.CommonName
	if sr.Signer == "" {
		sr.Signer = ee.Subject.String()
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &st); err == nil {
		sr.SigningTime = st
	}

	content := make([]byte, 0, br[1]+br[3])
	content = append(content, file[br[0]:br[0]+br[1]]...)
	content = append(content, file[br[2]:br[2]+br[3]]...)
	p7.Content = content
	if err := verifyCrypto(p7, ee); err != nil {
		var mismatch *pkcs7.MessageDigestMismatchError
		if errors.As(err, &mismatch) {
			sr.Detail = "signed bytes were changed: the digest of the ByteRange does not match the signed digest"
		} else {
			sr.Detail = "signature does not verify: " + err.Error()
		}
		return sr, nil
	}
	sr.Valid = true
	sr.Detail = "signature verifies over the ByteRange"
	if !sr.CoversWholeFile {
		sr.Detail += fmt.Sprintf(" (bytes %d to %d of %d)", br[0], br[2]+br[3], size)
	}

	intermediates := x509.NewCertPool()
	for _, c := range p7.Certificates {
		if c != ee {
			intermediates.AddCert(c)
		}
	}
	at := sr.SigningTime
	if at.IsZero() {
		at = time.Now()
	}
	_, err = ee.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
		sr.Trusted = true
		sr.TrustDetail = "certificate chains to a trusted root"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && invalid.Cert == ee:
		sr.TrustDetail = fmt.Sprintf("certificate not valid at the signing time %s (valid from %s to %s)",
			at.UTC().Format(time.RFC3339), ee.NotBefore.UTC().Format(time.RFC3339), ee.NotAfter.UTC().Format(time.RFC3339))
	case bytes.Equal(ee.RawIssuer, ee.RawSubject) &&
		ee.CheckSignature(ee.SignatureAlgorithm, ee.RawTBSCertificate, ee.Signature) == nil:
		sr.TrustDetail = "self-signed certificate that is not a trusted root"
	default:
		sr.TrustDetail = "certificate chain not trusted: " + err.Error()
	}
	return sr, nil
}

// verifyCrypto checks the message digest and the signature value of p7's
// single signer ee. pkcs7's Verify (no trust store) does that, but also
// rejects a signing time outside the certificate's validity period; that is
// a certificate matter, reported under trust, so the check runs against a
// copy of the certificate without validity limits.
func verifyCrypto(p7 *pkcs7.PKCS7, ee *x509.Certificate) error {
	unlimited := *ee
	unlimited.NotBefore = time.Time{}
	unlimited.NotAfter = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	saved := p7.Certificates
	p7.Certificates = make([]*x509.Certificate, len(saved))
	for i, c := range saved {
		if c == ee {
			c = &unlimited
		}
		p7.Certificates[i] = c
	}
	defer func() { p7.Certificates = saved }()
	return p7.Verify()
}

// decodeContents turns the ByteRange gap, a PDF hex string "<...>", into the
// DER signature, dropping the zero padding signers leave after it.
func decodeContents(gap []byte) ([]byte, error) {
	gap = bytes.TrimSpace(gap)
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, errors.New("not a hex string")
	}
	clean := make([]byte, 0, len(gap))
	for _, c := range gap[1 : len(gap)-1] {
		if !isPDFSpace(c) {
			clean = append(clean, c)
		}
	}
	if len(clean)%2 == 1 {
		clean = append(clean, '0') // PDF: a final odd digit is followed by an implied 0
	}
	raw := make([]byte, len(clean)/2)
	if _, err := hex.Decode(raw, clean); err != nil {
		return nil, fmt.Errorf("bad hex string: %v", err)
	}
	// A definite-length DER value tells its own length; BER indefinite
	// lengths are left to pkcs7.Parse, which converts them.
	var rv asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &rv); err == nil {
		return rv.FullBytes, nil
	}
	return raw, nil
}

// rawRange is one "ByteRange" keyword found in the raw file bytes.
type rawRange struct {
	at int      // offset of the keyword
	br [4]int64 // the array that follows it, if ok
	ok bool     // whether "[a b c d]" with four non-negative integers follows
}

// scanByteRanges finds every "ByteRange" keyword in the raw file, in file
// order; well-formed arrays that repeat an earlier one are dropped. The
// leading "/" is not required so that a damaged name still counts.
func scanByteRanges(b []byte) []rawRange {
	var out []rawRange
	seen := map[[4]int64]bool{}
	key := []byte("ByteRange")
	for i := 0; ; {
		j := bytes.Index(b[i:], key)
		if j < 0 {
			return out
		}
		at := i + j
		i = at + len(key)
		br, ok := parseIntArray(b[i:])
		if ok && seen[br] {
			continue
		}
		if ok {
			seen[br] = true
		}
		out = append(out, rawRange{at: at, br: br, ok: ok})
	}
}

// parseIntArray parses "[a b c d]" (after optional whitespace) at the start of b.
func parseIntArray(b []byte) ([4]int64, bool) {
	var br [4]int64
	p := 0
	skip := func() {
		for p < len(b) && isPDFSpace(b[p]) {
			p++
		}
	}
	skip()
	if p >= len(b) || b[p] != '[' {
		return br, false
	}
	p++
	for k := 0; k < 4; k++ {
		skip()
		start := p
		for p < len(b) && p-start < 19 && b[p] >= '0' && b[p] <= '9' {
			p++
		}
		if p == start {
			return br, false
		}
		n, err := strconv.ParseInt(string(b[start:p]), 10, 64)
		if err != nil {
			return br, false
		}
		br[k] = n
	}
	skip()
	return br, p < len(b) && b[p] == ']'
}

func isPDFSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// signatureDicts parses the PDF within lim and returns the signature
// dictionaries of its AcroForm signature fields. A *LimitError means the
// file was refused; any other error, that its structure is unreadable.
func signatureDicts(b []byte, lim Limits) (found []*sigDict, err error) {
	p := newParser(b, lim)
	defer func() {
		var le *LimitError
		if err != nil && !errors.As(err, &le) {
			found, err = nil, fmt.Errorf("%w: %v", ErrMalformedPDF, err)
		}
	}()
	if err := p.readXref(); err != nil {
		return nil, err
	}
	root, err := p.resolve(p.trailer["Root"])
	if err != nil {
		return nil, err
	}
	catalog, ok := root.(pdfDict)
	if !ok {
		return nil, errors.New("trailer has no document catalog")
	}
	acro, err := p.resolve(catalog["AcroForm"])
	if err != nil {
		return nil, err
	}
	form, _ := acro.(pdfDict)
	fields, err := p.resolve(form["Fields"])
	if err != nil {
		return nil, err
	}
	// The field tree is walked with an explicit stack; each referenced field
	// is visited once, so shared or cyclic Kids cost nothing extra.
	visited := map[int64]bool{}
	stack := []any{fields}
	for len(stack) > 0 {
		if len(found) > p.lim.MaxSignatures {
			return nil, &LimitError{Budget: "MaxSignatures", Max: int64(p.lim.MaxSignatures), Where: "the signature fields"}
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if r, ok := top.(pdfRef); ok {
			if visited[r.num] {
				continue
			}
			visited[r.num] = true
		}
		v, err := p.resolve(top)
		if err != nil {
			return nil, err
		}
		if arr, ok := v.(pdfArray); ok {
			for i := len(arr) - 1; i >= 0; i-- {
				stack = append(stack, arr[i])
			}
			continue
		}
		f, ok := v.(pdfDict)
		if !ok {
			continue
		}
		if kids, ok := f["Kids"]; ok {
			stack = append(stack, kids)
		}
		ft, err := p.resolve(f["FT"])
		if err != nil {
			return nil, err
		}
		vv, err := p.resolve(f["V"])
		if err != nil {
			return nil, err
		}
		sig, ok := vv.(pdfDict)
		if ft != pdfName("Sig") || !ok {
			continue
		}
		d := &sigDict{}
		for _, t := range []struct {
			key string
			dst *string
		}{{"Name", &d.name}, {"Reason", &d.reason}, {"Location", &d.location}, {"ContactInfo", &d.contact}, {"M", &d.m}} {
			x, err := p.resolve(sig[pdfName(t.key)])
			if err != nil {
				return nil, err
			}
			*t.dst = pdfText(x)
		}
		if sf, err := p.resolve(sig["SubFilter"]); err != nil {
			return nil, err
		} else if n, ok := sf.(pdfName); ok {
			d.subFilter = string(n)
		}
		brv, err := p.resolve(sig["ByteRange"])
		if err != nil {
			return nil, err
		}
		if arr, ok := brv.(pdfArray); ok && len(arr) == 4 {
			d.hasRange = true
			for k := range d.br {
				x, err := p.resolve(arr[k])
				if err != nil {
					return nil, err
				}
				d.br[k], _ = x.(int64)
			}
		}
		found = append(found, d)
	}
	return found, nil
}

// parsePDFDate parses a PDF date "D:YYYYMMDDHHmmSSOHH'mm'" where every part
// after the year is optional.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	if len(s) < 4 {
		return time.Time{}, fmt.Errorf("date %q too short", s)
	}
	digits := len(s)
	for i, c := range s {
		if c < '0' || c > '9' {
			digits = i
			break
		}
	}
	layouts := map[int]string{4: "2006", 6: "200601", 8: "20060102", 10: "2006010215", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[digits]
	if !ok {
		return time.Time{}, fmt.Errorf("date %q has %d digits", s, digits)
	}
	loc := time.UTC
	if tz := s[digits:]; tz != "" && tz != "Z" && (tz[0] == '+' || tz[0] == '-') {
		parts := strings.FieldsFunc(tz[1:], func(r rune) bool { return r == '\'' })
		h, m := 0, 0
		if len(parts) > 0 {
			h, _ = strconv.Atoi(parts[0])
		}
		if len(parts) > 1 {
			m, _ = strconv.Atoi(parts[1])
		}
		off := h*3600 + m*60
		if tz[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.ParseInLocation(layout, s[:digits], loc)
}
