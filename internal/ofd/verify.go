package ofd

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Result is the outcome of verifying every signature of an OFD package.
type Result struct {
	// Signatures holds one entry per Signature listed in the Signatures.xml files.
	Signatures []SignatureResult
	// Valid is true when the package has at least one signature and every
	// signature is intact and cryptographically correct. It says nothing about
	// certificate trust; see SignatureResult.Cert.
	Valid bool
	// Detail is a human-readable account, one line per signature or problem.
	Detail string
}

// SignatureResult is the verification outcome of one signature.
type SignatureResult struct {
	ID       string // Signature/@ID in Signatures.xml
	Type     string // "Seal" (electronic seal, the default) or "Sign" (plain digital signature)
	Location string // absolute path of Signature.xml in the package
	// SESVersion is 4 for GB/T 38540-2020, 1 for GM/T 0031-2014, 0 when the
	// signed value is not an SES structure (Type="Sign") or could not be read.
	SESVersion int
	// References holds the check of every Reference in Signature.xml.
	References []ReferenceResult
	// ReferencesOK is true when every Reference exists and its CheckValue matches.
	ReferencesOK bool
	// SignatureXMLOK is true when Signature.xml itself is unchanged: for Seal,
	// TBS_Sign.dataHash equals SM3 of its bytes; for Sign, the signature covers it directly.
	SignatureXMLOK bool
	// SignatureOK is true when the SM2 signature verifies with the signer's public key.
	SignatureOK bool
	// Valid is ReferencesOK && SignatureXMLOK && SignatureOK with no other problem.
	Valid bool
	// Problems lists every reason the signature is not valid.
	Problems []string
	// Unprotected lists package files outside the signatures directory that no Reference covers.
	Unprotected []string
	// SignTime is the signing time claimed by the signed value (TBS_Sign.timeInfo), if any.
	SignTime time.Time
	// SealName and SealID describe the embedded seal (Seal signatures only).
	SealName string
	SealID   string
	// SealSignatureOK reports whether the seal maker's SM2 signature verifies
	// with the maker certificate (v4: over DER(SES_SealInfo); v1: over
	// SEQUENCE{esealInfo, cert, signatureAlgorithm}); nil when not checkable.
	// For v4 a failure invalidates the signature (the seal is forged); for v1,
	// where only one producer's seal confirms the signed input, it is informative.
	SealSignatureOK *bool
	// SignerInSeal reports whether the signer certificate is one the seal lists
	// as authorised signer; nil when the seal could not be read.
	SignerInSeal *bool
	// Cert is the signer certificate status, kept apart from the cryptographic result.
	Cert CertStatus
}

// ReferenceResult is the check of one Reference (a protected file).
type ReferenceResult struct {
	File    string // the FileRef as written
	Path    string // resolved absolute package path
	OK      bool
	Problem string // why it failed, empty when OK
}

// CertStatus describes the signer certificate independently of the signature check.
type CertStatus struct {
	Present   bool   // a certificate was available (embedded or supplied)
	Subject   string // RFC 2253 style distinguished name
	Issuer    string
	Serial    string
	NotBefore time.Time
	NotAfter  time.Time
	// ValidAtSignTime is true when SignTime lies within NotBefore..NotAfter.
	ValidAtSignTime bool
	// Expired is true when the certificate's NotAfter is before the verification time.
	Expired bool
	// TrustChecked is true when trusted roots were supplied; Trusted is then
	// whether a chain to one of them was built.
	TrustChecked bool
	Trusted      bool
	// Detail is a human-readable summary of the above.
	Detail string
}

// VerifyOptions tunes verification.
type VerifyOptions struct {
	// Roots are the trust anchors for signer certificates. Nil means trust is
	// not evaluated (reported as such).
	Roots *smx509.CertPool
	// Intermediates helps build chains to Roots.
	Intermediates *smx509.CertPool
	// SignerCerts are candidate certificates for Type="Sign" signatures, whose
	// signed value is a bare SM2 signature that carries no certificate.
	SignerCerts []*smx509.Certificate
	// Now is the time for expiry checks; zero means time.Now().
	Now time.Time
	// Limits are the parsing budgets; zero fields take DefaultLimits.
	Limits Limits
}

// Verify checks every signature of the OFD package in data with default
// options. The error is non-nil only when data cannot be read as an OFD
// package (ErrEmpty, ErrNotZip, ErrNotOFD, ErrMalformed) or exceeds one of
// the DefaultLimits (a *LimitError, ErrLimit); every verification failure is
// reported in the Result.
func Verify(data []byte) (*Result, error) {
	return VerifyWithOptions(data, VerifyOptions{})
}

// VerifyWithOptions is Verify with trust roots, candidate signer certificates
// for plain signatures, and a fixed verification time.
func VerifyWithOptions(data []byte, opts VerifyOptions) (*Result, error) {
	p, err := openPackage(data, opts.Limits)
	if err != nil {
		return nil, err
	}
	res, err := verifyPackage(p, opts)
	if p.err != nil {
		return nil, p.err
	}
	return res, err
}

// verifyPackage verifies the opened package p; a budget exceeded on the way
// is left in p.err and refuses the package.
func verifyPackage(p *pkg, opts VerifyOptions) (*Result, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	res := &Result{}
	var lines []string
	fail := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }

	ofdXML, _ := p.read("OFD.xml")
	var root xOFD
	if err := p.unmarshal("OFD.xml", ofdXML, &root); err != nil {
		fail("/OFD.xml cannot be parsed (changed or corrupt): %v", err)
	}
	var sigLists []string
	for i, body := range root.DocBodies {
		if strings.TrimSpace(body.Signatures) == "" {
			continue
		}
		loc, err := resolve("OFD.xml", body.Signatures)
		if err != nil {
			fail("DocBody %d: Signatures location %q: %v", i, body.Signatures, err)
			continue
		}
		sigLists = append(sigLists, loc)
	}
	for _, list := range sigLists {
		raw, err := p.read(list)
		if err != nil {
			fail("signature list named in /OFD.xml: %v", err)
			continue
		}
		var sl xSignatures
		if err := p.unmarshal(list, raw, &sl); err != nil {
			fail("signature list /%s (named in /OFD.xml) cannot be parsed: %v", list, err)
			continue
		}
		if len(res.Signatures)+len(sl.Signatures) > p.lim.MaxSignatures {
			p.err = &LimitError{Budget: "MaxSignatures", Max: int64(p.lim.MaxSignatures), Where: "the signatures listed in /" + list}
			return nil, p.err
		}
		for _, e := range sl.Signatures {
			if p.err != nil {
				return nil, p.err
			}
			res.Signatures = append(res.Signatures, verifyOne(p, list, e, opts))
		}
	}
	for _, s := range res.Signatures {
		lines = append(lines, describe(s))
	}
	switch {
	case len(res.Signatures) == 0 && len(lines) == 0:
		lines = append(lines, "no signature: the package lists no Signatures")
	case len(res.Signatures) == 0:
		lines = append(lines, "no signature could be read")
	}
	res.Valid = len(res.Signatures) > 0 && len(lines) == len(res.Signatures)
	for _, s := range res.Signatures {
		res.Valid = res.Valid && s.Valid
	}
	res.Detail = strings.Join(lines, "\n")
	return res, nil
}

// verifyOne checks one Signature entry listed in the signature list file list.
func verifyOne(p *pkg, list string, e xSigEntry, opts VerifyOptions) SignatureResult {
	r := SignatureResult{ID: e.ID, Type: strings.TrimSpace(e.Type)}
	checkOne(p, list, e, opts, &r)
	r.Valid = len(r.Problems) == 0 && r.ReferencesOK && r.SignatureXMLOK && r.SignatureOK
	return r
}

// checkOne fills r with the checks of one signature, stopping at the first
// step whose failure makes the following ones meaningless.
func checkOne(p *pkg, list string, e xSigEntry, opts VerifyOptions, r *SignatureResult) {
	if r.Type == "" {
		r.Type = "Seal" // GB/T 33190: Type defaults to Seal
	}
	bad := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }
	if r.Type != "Seal" && r.Type != "Sign" {
		bad("unknown signature Type %q (expected Seal or Sign)", e.Type)
		return
	}
	if strings.TrimSpace(e.BaseLoc) == "" {
		bad("Signature entry ID=%q in /%s has no BaseLoc", e.ID, list)
		return
	}
	sigPath, err := resolve(list, e.BaseLoc)
	if err != nil {
		bad("BaseLoc %q: %v", e.BaseLoc, err)
		return
	}
	r.Location = "/" + sigPath
	sigXML, err := p.read(sigPath)
	if err != nil {
		bad("Signature.xml: %v", err)
		return
	}
	var sx xSignature
	if err := p.unmarshal(sigPath, sigXML, &sx); err != nil {
		bad("%s cannot be parsed (changed or corrupt): %v", r.Location, err)
	}

	// 1. Every Reference: the protected files must be byte-identical.
	r.ReferencesOK = checkReferences(p, sigPath, sx.SignedInfo.References, r)
	r.Unprotected = unprotected(p, path.Dir(list), r.References)

	// 2. The signed value.
	if strings.TrimSpace(sx.SignedValue) == "" {
		bad("%s names no SignedValue", r.Location)
		return
	}
	svPath, err := resolve(sigPath, sx.SignedValue)
	if err != nil {
		bad("SignedValue location %q: %v", sx.SignedValue, err)
		return
	}
	sv, err := p.read(svPath)
	if err != nil {
		bad("SignedValue: %v", err)
		return
	}
	if r.Type == "Sign" {
		verifyPlain(sigXML, sv, "/"+svPath, opts, r)
	} else {
		verifySES(sigXML, sv, "/"+svPath, opts, r)
	}
	return
}

// checkReferences verifies each Reference's CheckValue against its file.
func checkReferences(p *pkg, sigPath string, refs xReferences, r *SignatureResult) bool {
	bad := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }
	method := strings.TrimSpace(refs.CheckMethod)
	if method == "" {
		method = "SM3" // the only digest GB/T 33190 signatures use in practice
	}
	if !strings.EqualFold(method, "sm3") && method != oidSM3 {
		bad("References CheckMethod %q is not SM3 (%s); cannot check protected files", refs.CheckMethod, oidSM3)
		return false
	}
	if len(refs.Refs) == 0 {
		bad("%s protects no files (no Reference)", r.Location)
		return false
	}
	ok := true
	for _, ref := range refs.Refs {
		rr := ReferenceResult{File: ref.FileRef}
		loc, err := resolve(sigPath, ref.FileRef)
		// A relative FileRef that is not next to Signature.xml is taken from the
		// package root, as some producers write them; the digest still decides.
		if err == nil && !p.has(loc) && !strings.HasPrefix(ref.FileRef, "/") {
			if alt, err2 := cleanName(ref.FileRef); err2 == nil && p.has(alt) {
				loc = alt
			}
		}
		switch {
		case err != nil:
			rr.Problem = fmt.Sprintf("FileRef %q: %v", ref.FileRef, err)
		default:
			rr.Path = "/" + loc
			want, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(ref.CheckValue))
			data, rerr := p.read(loc)
			switch {
			case rerr != nil:
				rr.Problem = fmt.Sprintf("protected file %s is missing", rr.Path)
			case derr != nil:
				rr.Problem = fmt.Sprintf("CheckValue of %s is not base64: %v", rr.Path, derr)
			default:
				got := sm3.Sum(data)
				if bytes.Equal(got[:], want) {
					rr.OK = true
				} else {
					rr.Problem = fmt.Sprintf("protected file %s was changed (SM3 does not match its CheckValue)", rr.Path)
				}
			}
		}
		if !rr.OK {
			ok = false
			bad("%s", rr.Problem)
		}
		r.References = append(r.References, rr)
	}
	return ok
}

// unprotected lists package files outside sigDir that no Reference covers.
func unprotected(p *pkg, sigDir string, refs []ReferenceResult) []string {
	covered := map[string]bool{}
	for _, rr := range refs {
		covered[strings.TrimPrefix(rr.Path, "/")] = true
	}
	var out []string
	for _, name := range p.order {
		if covered[name] || strings.HasPrefix(name, sigDir+"/") {
			continue
		}
		out = append(out, "/"+name)
	}
	sort.Strings(out)
	return out
}

// verifySES checks an electronic seal: SignedValue.dat is an SES_Signature
// whose TBS_Sign.dataHash is SM3(Signature.xml) and whose SM2 signature covers
// DER(TBS_Sign) under the certificate it carries.
func verifySES(sigXML, sv []byte, svPath string, opts VerifyOptions, r *SignatureResult) {
	bad := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }
	ses, err := parseSES(sv)
	if err != nil {
		bad("%s is not a readable SES_Signature: %v", svPath, err)
		return
	}
	r.SESVersion = ses.version
	r.SignTime = ses.signTime
	want := sm3.Sum(sigXML)
	if bytes.Equal(ses.dataHash, want[:]) {
		r.SignatureXMLOK = true
	} else {
		bad("%s was changed (its SM3 does not match TBS_Sign.dataHash in %s)", r.Location, svPath)
	}
	cert, err := smx509.ParseCertificate(ses.certDER)
	if err != nil {
		bad("signer certificate in %s cannot be parsed: %v", svPath, err)
		return
	}
	r.Cert = certStatus(cert, r.SignTime, opts)
	if !ses.algID.Equal(oidSM2WithSM3) {
		bad("signature algorithm %v is not SM2-with-SM3 (%v)", ses.algID, oidSM2WithSM3)
		return
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		bad("signer certificate %s does not hold an SM2 public key", r.Cert.Subject)
		return
	}
	if verifySM2(pub, ses.tbsRaw, ses.signature) {
		r.SignatureOK = true
	} else {
		bad("SM2 signature in %s does not match TBS_Sign under the certificate of %s (signed value changed or forged)", svPath, r.Cert.Subject)
	}
	if sum, err := parseSealSummary(ses.sealRaw, ses.version); err == nil {
		r.SealName, r.SealID = sum.name, sum.esID
		in := false
		for _, c := range sum.certs {
			in = in || bytes.Equal(c, ses.certDER)
		}
		for _, d := range sum.digests {
			h := sm3.Sum(ses.certDER)
			in = in || bytes.Equal(d, h[:])
		}
		r.SignerInSeal = &in
	}
	if ok, err := verifySealMaker(ses.sealRaw, ses.version); err == nil {
		r.SealSignatureOK = &ok
		if !ok && ses.version == 4 {
			bad("the seal's maker signature over SES_SealInfo does not verify (seal forged or altered)")
		}
	}
}

// verifySealMaker checks the seal maker's signature over DER(SES_SealInfo).
func verifySealMaker(raw []byte, version int) (bool, error) {
	var info, certDER, sig []byte
	var alg asn1.ObjectIdentifier
	if version == 4 {
		var s sesSealV4
		if _, err := asn1.Unmarshal(raw, &s); err != nil {
			return false, err
		}
		info, certDER, alg, sig = s.SealInfo.FullBytes, s.Cert, s.SignAlgID, s.SignedValue.Bytes
	} else {
		var s sesSealV1
		if _, err := asn1.Unmarshal(raw, &s); err != nil {
			return false, err
		}
		var si struct {
			Cert     []byte
			Alg      asn1.ObjectIdentifier
			SignData asn1.BitString
		}
		if _, err := asn1.Unmarshal(s.SignInfo.FullBytes, &si); err != nil {
			return false, err
		}
		certDER, alg, sig = si.Cert, si.Alg, si.SignData.Bytes
		// GM/T 0031-2014 has the maker sign SEQUENCE{esealInfo, cert, signatureAlgorithm}
		// (as ofdrw's v1 seals do); the SEQUENCE is rebuilt from the original element bytes.
		certOct, err := asn1.Marshal(si.Cert)
		if err != nil {
			return false, err
		}
		algDER, err := asn1.Marshal(si.Alg)
		if err != nil {
			return false, err
		}
		content := append(append(append([]byte(nil), s.SealInfo.FullBytes...), certOct...), algDER...)
		if info, err = asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: content}); err != nil {
			return false, err
		}
	}
	if !alg.Equal(oidSM2WithSM3) {
		return false, fmt.Errorf("seal signature algorithm %v unsupported", alg)
	}
	c, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return false, err
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return false, fmt.Errorf("seal maker key is not SM2")
	}
	return verifySM2(pub, info, sig), nil
}

// verifyPlain checks a Type="Sign" signature: SignedValue.dat is a bare SM2
// signature over the bytes of Signature.xml. It carries no certificate, so the
// candidate certificates come from the caller.
func verifyPlain(sigXML, sv []byte, svPath string, opts VerifyOptions, r *SignatureResult) {
	bad := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }
	if _, _, ok := sm2RS(sv); !ok {
		bad("%s is not a plain SM2 signature (DER r,s or 64-byte r||s); other Type=\"Sign\" formats such as GB/T 35275 PKCS#7 are not supported", svPath)
		return
	}
	if len(opts.SignerCerts) == 0 {
		bad("%s is a plain SM2 signature without a certificate; supply the signer certificate (VerifyOptions.SignerCerts) to check it", svPath)
		return
	}
	for _, c := range opts.SignerCerts {
		pub, ok := c.PublicKey.(*ecdsa.PublicKey)
		if !ok || !sm2.IsSM2PublicKey(pub) {
			continue
		}
		if verifySM2(pub, sigXML, sv) {
			r.SignatureOK = true
			// The signature covers Signature.xml itself, so it is unchanged.
			r.SignatureXMLOK = true
			r.Cert = certStatus(c, time.Time{}, opts)
			return
		}
	}
	bad("SM2 signature in %s matches none of the %d supplied signer certificate(s) (Signature.xml or the signed value changed, or wrong signer)", svPath, len(opts.SignerCerts))
}

// verifySM2 checks an SM2-with-SM3 signature (default user ID, ZA prefix) in
// DER or raw 64-byte r||s form.
func verifySM2(pub *ecdsa.PublicKey, msg, sig []byte) bool {
	rInt, sInt, ok := sm2RS(sig)
	if !ok {
		return false
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{rInt, sInt})
	if err != nil {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, msg, der)
}

// sm2RS extracts r and s from a DER SEQUENCE{r,s} or a raw 64-byte r||s.
func sm2RS(sig []byte) (*big.Int, *big.Int, bool) {
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err == nil && len(rest) == 0 && rs.R != nil && rs.S != nil {
		return rs.R, rs.S, true
	}
	if len(sig) == 64 {
		return new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]), true
	}
	return nil, nil, false
}

// certStatus reports validity period and trust of the signer certificate.
func certStatus(c *smx509.Certificate, signTime time.Time, opts VerifyOptions) CertStatus {
	s := CertStatus{
		Present:   true,
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		Serial:    c.SerialNumber.Text(16),
		NotBefore: c.NotBefore,
		NotAfter:  c.NotAfter,
		Expired:   opts.Now.After(c.NotAfter),
	}
	var notes []string
	if !signTime.IsZero() {
		s.ValidAtSignTime = !signTime.Before(c.NotBefore) && !signTime.After(c.NotAfter)
		if !s.ValidAtSignTime {
			notes = append(notes, fmt.Sprintf("signing time %s is outside its validity %s..%s",
				signTime.UTC().Format(time.RFC3339), c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02")))
		}
	}
	if s.Expired {
		notes = append(notes, "expired on "+c.NotAfter.UTC().Format("2006-01-02"))
	} else if opts.Now.Before(c.NotBefore) {
		notes = append(notes, "not valid before "+c.NotBefore.UTC().Format("2006-01-02"))
	} else {
		notes = append(notes, "within validity until "+c.NotAfter.UTC().Format("2006-01-02"))
	}
	if opts.Roots == nil {
		notes = append(notes, "trust not evaluated (no trusted roots configured)")
	} else {
		s.TrustChecked = true
		vt := opts.Now
		if !signTime.IsZero() {
			vt = signTime // a signature is judged by the certificate state when it was made
		}
		_, err := c.Verify(smx509.VerifyOptions{
			Roots: opts.Roots, Intermediates: opts.Intermediates, CurrentTime: vt,
			KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
		})
		if err == nil {
			s.Trusted = true
			notes = append(notes, "chains to a trusted root")
		} else {
			notes = append(notes, "NOT trusted: "+err.Error())
		}
	}
	s.Detail = strings.Join(notes, "; ")
	return s
}

// describe renders one signature result as a line of text.
func describe(s SignatureResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "signature %q (%s", s.ID, s.Type)
	switch s.SESVersion {
	case 4:
		b.WriteString(", SES v4 GB/T 38540")
	case 1:
		b.WriteString(", SES v1 GM/T 0031-2014")
	}
	if s.Location != "" {
		b.WriteString(", " + s.Location)
	}
	b.WriteString("): ")
	if s.Valid {
		fmt.Fprintf(&b, "valid: %d protected file(s) intact, SM2 signature correct", len(s.References))
	} else {
		b.WriteString("INVALID: " + strings.Join(s.Problems, "; "))
	}
	if s.SealName != "" {
		fmt.Fprintf(&b, "; seal %q", s.SealName)
		if s.SealSignatureOK != nil && !*s.SealSignatureOK {
			b.WriteString(" (maker signature does not verify)")
		}
		if s.SignerInSeal != nil && !*s.SignerInSeal {
			b.WriteString(" (signer certificate not listed in the seal)")
		}
	}
	if s.Cert.Present {
		fmt.Fprintf(&b, "; signer %s; certificate: %s", s.Cert.Subject, s.Cert.Detail)
	}
	if len(s.Unprotected) > 0 {
		fmt.Fprintf(&b, "; not covered by the signature: %s", strings.Join(s.Unprotected, ", "))
	}
	return b.String()
}

// Check opens data as an OFD package without verifying anything in it:
// ErrEmpty, ErrNotZip, ErrNotOFD or ErrMalformed when it is no readable OFD
// package (or a budget error when its archive exceeds one). It is the
// structure part of Verify, for callers that only need to know the file is
// an OFD (the upload check) and verify signatures, if at all, once later.
func Check(data []byte) error {
	_, err := openPackage(data, Limits{})
	return err
}
