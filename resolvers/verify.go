package resolvers

import (
	"context"
	"crypto/x509"
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
		return nil, models.Invalid("validUntil", "cannot be given together with longTerm")
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
	var best *models.Certificate
	mismatch := ""
	for i := range certs {
		c := &certs[i]
		diff, err := q.fieldMismatch(ctx, c, h, in)
		if err != nil {
			return nil, err
		}
		if diff == "" {
			best = c
			if c.Status(q.today()) == models.StatusValid {
				break
			}
		} else if mismatch == "" {
			mismatch = diff
		}
	}
	var v *model.Verification
	subject := code
	switch {
	case h == nil || len(certs) == 0:
		reason := "no certificate of this holder is stored here"
		if typeCode != "" {
			reason = "no certificate of this holder and type is stored here"
		}
		v = &model.Verification{Result: false, Reason: reason}
	case best == nil:
		if len(certs) > 1 {
			mismatch = "no certificate of the holder matches every given field (e.g. " + mismatch + ")"
		}
		v = &model.Verification{Result: false, Reason: mismatch}
	default:
		v = q.judge(best)
		subject = best.ID
		if v.Result {
			v.Reason = "every given field matches certificate " + best.ID + ", which is valid"
		}
	}
	if !v.Result {
		// Local candidates first, then the national part.
		rv, err := q.verifyFieldsElsewhere(ctx, in, code, typeCode)
		switch {
		case err != nil && (h == nil || len(certs) == 0):
			_ = q.audit(ctx, acc, "verifyByFields", in.UseFor, outcomeOfErr(err), err.Error(), subject)
			return nil, err
		case err == nil && rv != nil && (rv.Result || h == nil || len(certs) == 0):
			v = rv
			if rv.CertificateID != nil {
				subject = *rv.CertificateID
			}
		}
	}
	return v, q.audit(ctx, acc, "verifyByFields", in.UseFor, outcomeOf(v.Result), v.Reason, subject)
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
	var regions []string
	switch {
	case r.hubMode():
		if d := r.nat.Digester(); d != nil {
			if typeCode == "-" {
				typeCode = ""
			}
			all, err := r.store.HolderRegions(ctx, d.Digest(code), typeCode)
			if err != nil {
				return nil, err
			}
			for _, x := range all {
				if !hop.Via.Contains(x) {
					regions = append(regions, x)
				}
			}
		}
	case r.dispatches() && hop.Origin():
		regions = []string{national.HubRegion}
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

// fieldMismatch names the first given field that differs from c, or "".
func (r *Resolver) fieldMismatch(ctx context.Context, c *models.Certificate, h *models.Holder, in model.VerifyFieldsInput) (string, error) {
	eq := func(name string, want *string, got string) string {
		if want != nil && strings.TrimSpace(*want) != "" && strings.TrimSpace(*want) != got {
			return name + " does not match"
		}
		return ""
	}
	if d := eq("name", in.Name, c.Name); d != "" {
		return d, nil
	}
	if d := eq("number", in.Number, c.Number); d != "" {
		return d, nil
	}
	if d := eq("holder", in.Holder, h.Name); d != "" {
		return d, nil
	}
	if d := eq("issueDeptCode", in.IssueDeptCode, c.IssueDeptCode); d != "" {
		return d, nil
	}
	if in.IssueDept != nil && strings.TrimSpace(*in.IssueDept) != "" {
		dept, err := mustFind[models.Department]("department", c.IssueDeptCode)(r.loadersOf(ctx).dept.Load(ctx, c.IssueDeptCode))
		if err != nil {
			return "", err
		}
		if d := eq("issueDept", in.IssueDept, dept.Name); d != "" {
			return d, nil
		}
	}
	if in.IssueDate != nil && *in.IssueDate != c.IssueDate {
		return "issueDate does not match", nil
	}
	if in.ValidFrom != nil && *in.ValidFrom != c.ValidFrom {
		return "validFrom does not match", nil
	}
	if in.ValidUntil != nil && (c.ValidUntil == nil || *in.ValidUntil != *c.ValidUntil) {
		return "validUntil does not match", nil
	}
	if in.LongTerm != nil && *in.LongTerm != (c.ValidUntil == nil) {
		return "longTerm does not match", nil
	}
	return "", nil
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
	out := &model.FileVerification{Signatures: []model.SignatureCheck{}}
	signOK := false
	var signLines []string
	switch format {
	case models.FormatPDF:
		res, err := pdfdoc.VerifyWithOptions(data, pdfdoc.VerifyOptions{Roots: q.pdfRoots()})
		if err != nil {
			return nil, models.Invalid("fileEntity", "is not a readable PDF: %v", err)
		}
		signOK = res.Valid
		for _, s := range res.Signatures {
			signer := s.Signer
			out.Signatures = append(out.Signatures, model.SignatureCheck{Kind: "PDF_CMS", Valid: s.Valid, Signer: &signer, Trusted: s.Trusted, Detail: s.Detail + "; " + s.TrustDetail})
		}
		signLines = append(signLines, res.Detail)
	case models.FormatOFD:
		roots := smx509.NewCertPool()
		roots.AddCert(q.trust.Keys.Certificate())
		res, err := ofd.VerifyWithOptions(data, ofd.VerifyOptions{Roots: roots, Now: q.cfg.Now()})
		if err != nil {
			return nil, models.Invalid("fileEntity", "is not a readable OFD package: %v", err)
		}
		signOK = res.Valid
		for _, s := range res.Signatures {
			kind := "OFD_SIGN"
			if s.SESVersion == 1 {
				kind = "OFD_SES_V1"
			} else if s.SESVersion == 4 {
				kind = "OFD_SES_V4"
			}
			signer := s.Cert.Subject
			detail := strings.Join(s.Problems, "; ")
			if detail == "" {
				detail = "seal intact: every reference and the signature verify"
			}
			out.Signatures = append(out.Signatures, model.SignatureCheck{Kind: kind, Valid: s.Valid, Signer: &signer, Trusted: s.Cert.Trusted, Detail: detail + "; " + s.Cert.Detail})
		}
		signLines = append(signLines, res.Detail)
	}
	out.SignVerify = strings.Join(signLines, "\n")

	sha := gmcrypto.SHA256Hex(data)
	f, err := q.store.FileMetaBySHA256(ctx, sha)
	dataOK := false
	subject := "sha256:" + sha[:16]
	switch {
	case err != nil:
		return nil, err
	case f == nil:
		out.DataVerify = "the file's digest (SHA-256 " + sha + ") matches no certificate file issued here"
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
			out.DataVerify = "the file was issued for certificate " + f.CertificateID + ", which no longer exists"
			break
		}
		id := c.ID
		out.CertificateID, subject = &id, id
		v := q.judge(c)
		dataOK = v.Result
		out.DataVerify = "the file is the layout file of certificate " + c.ID + ": " + v.Reason
	}
	out.Result = dataOK && signOK
	switch {
	case out.Result:
		out.Detail = "verified: the file is an issued certificate's layout file, the certificate is valid, and its signatures verify"
	case !signOK && !dataOK:
		out.Detail = "not verified: " + out.DataVerify + "; and the signatures do not verify: " + firstLine(out.SignVerify)
	case !signOK:
		out.Detail = "not verified: the signatures do not verify: " + firstLine(out.SignVerify)
	default:
		out.Detail = "not verified: " + out.DataVerify
	}
	return out, q.audit(ctx, acc, "verifyByFile", models.UseVerification, outcomeOf(out.Result), out.Detail, subject)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
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
