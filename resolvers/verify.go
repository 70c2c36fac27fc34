package resolvers

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"

	"certgraph/graph/model"
	"certgraph/internal/gmcrypto"
	"certgraph/internal/issuing"
	"certgraph/internal/national"
	"certgraph/internal/ofd"
	"certgraph/internal/pdfdoc"
	"certgraph/models"

	"github.com/emmansun/gmsm/smx509"
)

// VerifyByFields is spec 6.5.1: every given field must match one stored
// certificate of the holder, and that certificate must be valid today.
func (q *queryResolver) VerifyByFields(ctx context.Context, in model.VerifyFieldsInput) (*model.Verification, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if err := in.UseFor.Validate(); err != nil {
		return nil, err
	}
	code, t, err := q.checkHolderCode(ctx, "holderCode", "holderType", in.HolderCode, in.HolderType)
	if err != nil {
		return nil, err
	}
	if in.LongTerm != nil && *in.LongTerm && in.ValidUntil != nil {
		return nil, models.Invalid("validUntil", "cannot be given together with %s", models.Name("longTerm"))
	}
	typeCode, err := q.resolveTypeFilter(ctx, "type", in.Type)
	if err != nil && !(q.dispatches() || q.hubMode()) {
		return nil, err
	}
	if err != nil {
		typeCode = "-" // a type unknown here: no local candidate, the national part decides
	}
	h, err := q.holderByCode(ctx, code, t)
	if err != nil {
		return nil, err
	}
	var certs []models.Certificate
	if h != nil && typeCode != "-" {
		// Newest first, so the reason given for a mismatch is the same on every database.
		if certs, err = q.store.CertificatesOfHolder(ctx, h.ID, typeCode, ""); err != nil {
			return nil, err
		}
	}
	var matches []*models.Certificate
	var best *models.Certificate
	var mismatch *models.Text
	for i := range certs {
		c := &certs[i]
		diff, err := q.fieldMismatch(ctx, c, h, in)
		if err != nil {
			return nil, err
		}
		switch {
		case diff == nil:
			matches = append(matches, c)
			if best == nil || (best.Status(q.today()) != models.StatusValid && c.Status(q.today()) == models.StatusValid) {
				best = c
			}
		case mismatch == nil:
			mismatch = diff
		}
	}
	v := &model.Verification{Matches: []model.VerificationMatch{}}
	var why models.Text
	subject := code
	switch {
	case h == nil || len(certs) == 0:
		why = models.Say("no certificate of this holder is stored here")
		if typeCode != "" {
			why = models.Say("no certificate of this holder and type is stored here")
		}
	case best == nil:
		why = *mismatch
		if len(certs) > 1 {
			why = models.Say("no certificate of the holder matches every given field (e.g. %s)", *mismatch)
		}
	default:
		v, why = q.judge(ctx, best)
		subject = best.ID
		for _, c := range matches {
			m, mwhy := q.judge(ctx, c)
			v.Matches = append(v.Matches, model.VerificationMatch{CertificateID: c.ID, Status: *m.Status, Result: m.Result, Reason: q.say(ctx, mwhy)})
		}
		switch {
		case v.Result && len(matches) > 1:
			why = models.Say("%d certificates match every given field; %s is valid", len(matches), best.ID)
		case v.Result:
			why = models.Say("every given field matches certificate %s, which is valid", best.ID)
		case len(matches) > 1:
			why = models.Say("%d certificates match every given field and none is valid; the newest: %s", len(matches), why)
		}
	}
	v.Reason = q.say(ctx, why)
	detail := why.String()
	if !v.Result {
		// Local candidates first, then the national part.
		rv, err := q.verifyFieldsElsewhere(ctx, in, code, typeCode)
		switch {
		case err != nil && (h == nil || len(certs) == 0):
			_ = q.audit(ctx, acc, "verifyByFields", in.UseFor, outcomeOfErr(err), err.Error(), subject)
			return nil, err
		case err == nil && rv != nil && (rv.Result || h == nil || len(certs) == 0):
			v, detail = rv, rv.Reason
			if v.Matches == nil {
				v.Matches = []model.VerificationMatch{}
			}
			if rv.CertificateID != nil {
				subject = *rv.CertificateID
			}
		}
	}
	return v, q.audit(ctx, acc, "verifyByFields", in.UseFor, outcomeOf(v.Result), detail, subject)
}

const verifyFieldsOp = `query verifyByFields($in: VerifyFieldsInput!) { verifyByFields(input: $in) { result reason certificateId status } }`

// verifyFieldsElsewhere asks the national part: at a node the hub (for a
// read that started here), at the hub each region listing the holder until
// one matches. nil, nil when there is nowhere to ask.
func (r *Resolver) verifyFieldsElsewhere(ctx context.Context, in model.VerifyFieldsInput, code, typeCode string) (*model.Verification, error) {
	hop, err := r.hopOf(ctx)
	if err != nil {
		return nil, err
	}
	if typeCode == "-" {
		typeCode = ""
	}
	regions, err := r.nationalRegions(ctx, hop, code, typeCode)
	if err != nil {
		return nil, err
	}
	vars := map[string]any{"holderCode": in.HolderCode, "useFor": useForName(in.UseFor)}
	for k, v := range map[string]*string{"holderType": in.HolderType, "type": in.Type, "name": in.Name, "number": in.Number, "holder": in.Holder, "issueDept": in.IssueDept, "issueDeptCode": in.IssueDeptCode} {
		if v != nil {
			vars[k] = *v
		}
	}
	for k, v := range map[string]*models.Date{"issueDate": in.IssueDate, "validFrom": in.ValidFrom, "validUntil": in.ValidUntil} {
		if v != nil {
			vars[k] = v.String()
		}
	}
	if in.LongTerm != nil {
		vars["longTerm"] = *in.LongTerm
	}
	var first *model.Verification
	var firstErr error
	for _, region := range regions {
		var a struct {
			V *model.Verification `json:"verifyByFields"`
		}
		resp, err := r.send(ctx, region, national.Request{Query: verifyFieldsOp, Variables: map[string]any{"in": vars}}, &a)
		if err == nil && a.V == nil {
			err = resp.Err()
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if a.V.Result {
			return a.V, nil
		}
		if first == nil {
			first = a.V
		}
	}
	if first != nil {
		return first, nil
	}
	return nil, firstErr
}

// fieldMismatch names the first given field that differs from c, or nil.
func (r *Resolver) fieldMismatch(ctx context.Context, c *models.Certificate, h *models.Holder, in model.VerifyFieldsInput) (*models.Text, error) {
	differs := func(field string) *models.Text {
		t := models.Say("%s does not match", models.Name(field))
		return &t
	}
	eq := func(name string, want *string, got string) *models.Text {
		if want != nil && strings.TrimSpace(*want) != "" && strings.TrimSpace(*want) != got {
			return differs(name)
		}
		return nil
	}
	if d := eq("name", in.Name, c.Name); d != nil {
		return d, nil
	}
	if d := eq("number", in.Number, c.Number); d != nil {
		return d, nil
	}
	if d := eq("holder", in.Holder, h.Name); d != nil {
		return d, nil
	}
	if d := eq("issueDeptCode", in.IssueDeptCode, c.IssueDeptCode); d != nil {
		return d, nil
	}
	if in.IssueDept != nil && strings.TrimSpace(*in.IssueDept) != "" {
		dept, err := mustFind[models.Department]("department", c.IssueDeptCode)(r.loadersOf(ctx).dept.Load(ctx, c.IssueDeptCode))
		if err != nil {
			return nil, err
		}
		if d := eq("issueDept", in.IssueDept, dept.Name); d != nil {
			return d, nil
		}
	}
	if in.IssueDate != nil && *in.IssueDate != c.IssueDate {
		return differs("issueDate"), nil
	}
	if in.ValidFrom != nil && *in.ValidFrom != c.ValidFrom {
		return differs("validFrom"), nil
	}
	if in.ValidUntil != nil && (c.ValidUntil == nil || *in.ValidUntil != *c.ValidUntil) {
		return differs("validUntil"), nil
	}
	if in.LongTerm != nil && *in.LongTerm != (c.ValidUntil == nil) {
		return differs("longTerm"), nil
	}
	return nil, nil
}

// VerifyByFile is spec 6.5.2: the file's digest must identify a certificate
// issued here that is valid today, and every signature in the file must
// verify (PDF CMS signatures, OFD seals).
func (q *queryResolver) VerifyByFile(ctx context.Context, format models.FileFormat, fileEntity string) (*model.FileVerification, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	file, err := issuing.DecodeFile("fileEntity", format, fileEntity)
	if err != nil {
		return nil, err
	}
	data := file.Data()
	lang := langOf(ctx)
	out := &model.FileVerification{Signatures: []model.SignatureCheck{}}
	signOK := false
	// The English texts are the verifiers' own detailed accounts; the
	// catalogue's texts summarise the same results in other languages.
	var signSummary libText // the file's verdict, one line
	var signAll string      // the verifier's whole English account
	var signLines []string  // one catalogue line per signature
	switch format {
	case models.FormatPDF:
		res, err := pdfdoc.VerifyWithOptions(data, pdfdoc.VerifyOptions{Roots: q.pdfRoots()})
		if err != nil {
			var le *pdfdoc.LimitError
			if errors.As(err, &le) {
				return nil, models.Invalid("fileEntity", "was refused: %[1]v", err, le.Budget, le.Max)
			}
			return nil, models.Invalid("fileEntity", "is not a readable PDF: %v", err)
		}
		signOK = res.Valid
		signSummary, signAll = libText{res.Detail, pdfSummary(res)}, res.Detail
		for i, s := range res.Signatures {
			signer := s.Signer
			detail := libText{s.Detail + "; " + s.TrustDetail, models.Say("%s", clauses{validText(s.Valid), trustText(true, s.Trusted)})}
			out.Signatures = append(out.Signatures, model.SignatureCheck{Kind: "PDF_CMS", Valid: s.Valid, Signer: &signer, Trusted: s.Trusted, Detail: detail.In(lang)})
			signLines = append(signLines, models.Say("signature %d (signer %s): %s", i+1, signer, detail.summary).In(lang))
		}
	case models.FormatOFD:
		roots := smx509.NewCertPool()
		roots.AddCert(q.trust.Keys.Certificate())
		res, err := ofd.VerifyWithOptions(data, ofd.VerifyOptions{Roots: roots, Now: q.cfg.Now()})
		if err != nil {
			var le *ofd.LimitError
			switch {
			case errors.As(err, &le) && le.Budget == "DTD":
				return nil, models.Invalid("fileEntity", "was refused for its document type declaration: %v", err)
			case errors.As(err, &le):
				return nil, models.Invalid("fileEntity", "was refused: %[1]v", err, le.Budget, le.Max)
			}
			return nil, models.Invalid("fileEntity", "is not a readable OFD package: %v", err)
		}
		signOK = res.Valid
		signSummary, signAll = libText{firstLine(res.Detail), ofdSummary(res)}, res.Detail
		for i, s := range res.Signatures {
			kind := "OFD_SIGN"
			if s.SESVersion == 1 {
				kind = "OFD_SES_V1"
			} else if s.SESVersion == 4 {
				kind = "OFD_SES_V4"
			}
			signer := s.Cert.Subject
			en := strings.Join(s.Problems, "; ")
			if en == "" {
				en = "seal intact: every reference and the signature verify"
			}
			detail := libText{en + "; " + s.Cert.Detail, ofdSignatureText(s)}
			out.Signatures = append(out.Signatures, model.SignatureCheck{Kind: kind, Valid: s.Valid, Signer: &signer, Trusted: s.Cert.Trusted, Detail: detail.In(lang)})
			signLines = append(signLines, models.Say("signature %d (signer %s): %s", i+1, signer, detail.summary).In(lang))
		}
	}
	out.SignVerify = signAll
	if lang != models.English {
		out.SignVerify = strings.Join(append([]string{signSummary.In(lang)}, signLines...), "\n")
	}

	sha := gmcrypto.SHA256Hex(data)
	f, err := q.store.FileMetaBySHA256(ctx, sha)
	dataOK := false
	subject := "sha256:" + sha[:16]
	var dataText models.Text
	switch {
	case err != nil:
		return nil, err
	case f == nil:
		dataText = models.Say("the file's digest (SHA-256 %s) matches no certificate file issued here", sha)
		if rv, err := q.verifyFileElsewhere(ctx, format, fileEntity, gmcrypto.SM3Hex(data)); err != nil {
			_ = q.audit(ctx, acc, "verifyByFile", models.UseVerification, outcomeOfErr(err), err.Error(), subject)
			return nil, err
		} else if rv != nil {
			// The owner checked the file against its certificate and its own seals.
			if rv.CertificateID != nil {
				subject = *rv.CertificateID
			}
			return rv, q.audit(ctx, acc, "verifyByFile", models.UseVerification, outcomeOf(rv.Result), rv.Detail, subject)
		}
	default:
		c, err := q.certificateByID(ctx, f.CertificateID)
		if err != nil {
			return nil, err
		}
		if c == nil {
			dataText = models.Say("the file was issued for certificate %s, which no longer exists", f.CertificateID)
			break
		}
		id := c.ID
		out.CertificateID, subject = &id, id
		v, why := q.judge(ctx, c)
		dataOK = v.Result
		dataText = models.Say("the file is the layout file of certificate %s: %s", c.ID, why)
	}
	out.DataVerify = dataText.In(lang)
	out.Result = dataOK && signOK
	var detail models.Text
	switch {
	case out.Result:
		detail = models.Say("verified: the file is an issued certificate's layout file, the certificate is valid, and its signatures verify")
	case !signOK && !dataOK:
		detail = models.Say("not verified: %s; and the signatures do not verify: %s", dataText, signSummary)
	case !signOK:
		detail = models.Say("not verified: the signatures do not verify: %s", signSummary)
	default:
		detail = models.Say("not verified: %s", dataText)
	}
	out.Detail = detail.In(lang)
	return out, q.audit(ctx, acc, "verifyByFile", models.UseVerification, outcomeOf(out.Result), detail.String(), subject)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// libText is a verification text whose English form is a verifier's own
// account (pdfdoc, ofd) and whose other languages render the catalogue's
// summary of the same result.
type libText struct {
	en      string
	summary models.Text
}

// In implements models.Localized.
func (t libText) In(lang models.Lang) string {
	if lang == models.English {
		return t.en
	}
	return t.summary.In(lang)
}

func validText(ok bool) models.Text {
	if ok {
		return models.Say("the signature value verifies over the signed bytes")
	}
	return models.Say("the signature value does not verify or the signed bytes were changed")
}

func trustText(checked, trusted bool) models.Text {
	switch {
	case trusted:
		return models.Say("the signer certificate chains to a trusted root")
	case checked:
		return models.Say("the signer certificate is not trusted")
	}
	return models.Say("the signer certificate's trust was not checked")
}

// pdfSummary says in one sentence whether a PDF's signatures hold.
func pdfSummary(res *pdfdoc.Result) models.Text {
	n := len(res.Signatures)
	if n == 0 {
		return models.Say("no signature")
	}
	for i, s := range res.Signatures {
		if !s.Valid {
			return models.Say("signature %d of %d is invalid", i+1, n)
		}
	}
	if !res.Valid {
		return models.Say("the file was changed after the last signature")
	}
	for _, s := range res.Signatures {
		if !s.Trusted {
			return models.Say("%d signature(s) valid and the file is unchanged since the last signature; %s", n, trustText(true, false))
		}
	}
	return models.Say("%d signature(s) valid and the file is unchanged since the last signature", n)
}

// ofdSummary says in one sentence whether an OFD package's seals hold.
func ofdSummary(res *ofd.Result) models.Text {
	n, bad := len(res.Signatures), 0
	for _, s := range res.Signatures {
		if !s.Valid {
			bad++
		}
	}
	switch {
	case n == 0:
		return models.Say("no signature could be read from the package")
	case bad > 0:
		return models.Say("%d of %d seals or signatures are invalid", bad, n)
	case !res.Valid:
		return models.Say("the package's signature lists could not all be read")
	}
	return models.Say("%d seal(s) or signature(s) valid: every protected file is intact", n)
}

// ofdSignatureText summarises one OFD seal's checks.
func ofdSignatureText(s ofd.SignatureResult) models.Text {
	var parts clauses
	if s.Valid {
		parts = append(parts, models.Say("seal intact: every reference and the signature verify"))
	}
	named := false
	for _, ref := range s.References {
		if !ref.OK {
			parts, named = append(parts, models.Say("the protected file %s was changed or is missing", ref.File)), true
		}
	}
	if !s.ReferencesOK && !named {
		parts = append(parts, models.Say("a protected file was changed or is missing"))
	}
	if !s.SignatureXMLOK {
		parts = append(parts, models.Say("the signature description (Signature.xml) was changed"))
	}
	if !s.SignatureOK {
		parts = append(parts, models.Say("the SM2 signature value does not verify"))
	}
	if s.SealSignatureOK != nil && !*s.SealSignatureOK {
		parts = append(parts, models.Say("the seal maker's signature does not verify"))
	}
	if s.SignerInSeal != nil && !*s.SignerInSeal {
		parts = append(parts, models.Say("the signer certificate is not listed in the seal"))
	}
	if !s.Valid && len(parts) == 0 {
		parts = append(parts, models.Say("the seal is not valid"))
	}
	if s.Cert.Expired {
		parts = append(parts, models.Say("the signer certificate has expired"))
	}
	parts = append(parts, trustText(s.Cert.TrustChecked, s.Cert.Trusted))
	return models.Say("%s", parts)
}

// clauses are texts joined into one sentence ("; " in English, "；" in Chinese).
type clauses []models.Text

// In implements models.Localized.
func (c clauses) In(lang models.Lang) string {
	out := make([]string, len(c))
	for i, t := range c {
		out[i] = t.In(lang)
	}
	if lang == models.Chinese {
		return strings.Join(out, "；")
	}
	return strings.Join(out, "; ")
}

// pdfRoots trusts the platform's own PDF signing certificate.
func (r *Resolver) pdfRoots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(r.trust.PDFSigner.Cert)
	return p
}

const verifyFileOp = `query verifyByFile($format: FileFormat!, $file: String!) { verifyByFile(format: $format, fileEntity: $file) {
  result detail dataVerify signVerify certificateId signatures { kind valid signer trusted detail } } }`

// verifyFileElsewhere sends a file unknown here to where its SM3 digest is
// known: at a node the hub (reads that started here), at the hub the owner
// its directory names. nil, nil when there is nowhere to ask.
func (r *Resolver) verifyFileElsewhere(ctx context.Context, format models.FileFormat, fileEntity, sm3 string) (*model.FileVerification, error) {
	hop, err := r.hopOf(ctx)
	if err != nil {
		return nil, err
	}
	region := ""
	switch {
	case r.hubMode():
		locs, err := r.store.LocateFile(ctx, sm3)
		if err != nil {
			return nil, err
		}
		for _, l := range locs {
			if !hop.Via.Contains(l.Region) && l.Region != r.cfg.Region {
				region = l.Region
				break
			}
		}
	case r.dispatches() && hop.Origin():
		region = national.HubRegion
	}
	if region == "" {
		return nil, nil
	}
	var a struct {
		V *model.FileVerification `json:"verifyByFile"`
	}
	resp, err := r.send(ctx, region, national.Request{Query: verifyFileOp, Variables: map[string]any{"format": strings.ToUpper(string(format)), "file": fileEntity}}, &a)
	if err != nil {
		return nil, err
	}
	if a.V == nil {
		return nil, resp.Err()
	}
	if a.V.Signatures == nil {
		a.V.Signatures = []model.SignatureCheck{}
	}
	// At a node, a hub answer that found nothing says so in its own words.
	if !a.V.Result && a.V.CertificateID == nil && !r.hubMode() {
		return nil, nil
	}
	return a.V, nil
}
