package resolvers

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"certgraph/graph/model"
	"certgraph/internal/gmcrypto"
	"certgraph/internal/keys"
	"certgraph/internal/ofd"
	"certgraph/internal/pdfdoc"
	"certgraph/internal/store"
	"certgraph/models"
)

// fileMeta loads a certificate's file metadata (without the content).
func (r *Resolver) fileMeta(ctx context.Context, certID string) (*models.CertificateFile, error) {
	return r.store.FileMeta(ctx, certID)
}

func (r *certificateResolver) File(ctx context.Context, c *models.Certificate) (*models.CertificateFile, error) {
	return r.fileMeta(ctx, c.ID)
}

// FileLink mints a signed, expiring download link (spec 6.3) for the
// account and useFor of the read, and audits the minting.
func (r *certificateResolver) FileLink(ctx context.Context, c *models.Certificate) (*model.FileLink, error) {
	acc, err := r.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if masked(acc) {
		return nil, models.Errorf(models.EFORBIDDEN, "analyst accounts do not download layout files")
	}
	f, err := r.fileMeta(ctx, c.ID)
	if err != nil || f == nil {
		return nil, err
	}
	useFor := c.UseFor
	if useFor == "" {
		useFor = models.UseOther
	}
	exp := r.cfg.Now().Add(r.trust.FileLinkTTL).Truncate(time.Second)
	tok := r.trust.MintLink(keys.FileLink{CertificateID: c.ID, SHA256: f.SHA256[:32], Expires: exp.Unix(), AccountID: acc.ID, UseFor: useFor})
	if err := r.audit(ctx, acc, "fileLink", useFor, models.OutcomeOK, "download link minted", c.ID); err != nil {
		return nil, err
	}
	return &model.FileLink{Format: f.Format, URL: r.baseURL(ctx) + "/files/" + tok, ExpiresAt: exp.UTC()}, nil
}

// decodeFile checks a base64 layout file of the named format: size, and
// that it really is a PDF or an OFD package.
func decodeFile(field string, format models.FileFormat, entity string) ([]byte, error) {
	if len(entity) > base64.StdEncoding.EncodedLen(models.MaxFileSize)+4 {
		return nil, models.Invalid(field, "is larger than the limit of %d bytes", models.MaxFileSize)
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(entity), ""))
	if err != nil {
		return nil, models.Invalid(field, "is not valid base64: %v", err)
	}
	if len(data) == 0 {
		return nil, models.Invalid(field, "is empty")
	}
	if len(data) > models.MaxFileSize {
		return nil, models.Invalid(field, "is %d bytes, larger than the limit of %d", len(data), models.MaxFileSize)
	}
	switch format {
	case models.FormatPDF:
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			return nil, models.Invalid(field, "is not a PDF file (no %%PDF- header)")
		}
	case models.FormatOFD:
		if _, err := ofd.Verify(data); errors.Is(err, ofd.ErrNotZip) || errors.Is(err, ofd.ErrNotOFD) || errors.Is(err, ofd.ErrEmpty) || errors.Is(err, ofd.ErrMalformed) {
			return nil, models.Invalid(field, "is not an OFD file: %v", err)
		}
	default:
		return nil, models.Invalid("fileFormat", "%q is not pdf or ofd", string(format))
	}
	return data, nil
}

// StoreFile stores (or replaces) a certificate's layout file with its
// digests, inside tx when given.
func (r *Resolver) StoreFile(ctx context.Context, tx *store.DB, certID string, format models.FileFormat, data []byte) (*models.CertificateFile, error) {
	if tx == nil {
		tx = r.store
	}
	f := &models.CertificateFile{CertificateID: certID, Format: format, Size: int64(len(data)), SM3: gmcrypto.SM3Hex(data),
		SHA256: gmcrypto.SHA256Hex(data), Content: data, UploadedAt: r.cfg.Now().UTC()}
	return f, tx.PutFile(ctx, f)
}

// IssueFile renders a certificate's layout file from its stored data and
// signs it with the platform's keys: OFD sealed with the SM2 key (SES v4),
// PDF with a CMS signature.
func (r *Resolver) IssueFile(ctx context.Context, certID string, format models.FileFormat) (*models.CertificateFile, error) {
	c, err := r.certificateByID(ctx, certID)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, models.Errorf(models.ENOTFOUND, "no certificate %s", certID)
	}
	in, err := r.canonicalInput(ctx, c)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch format {
	case models.FormatOFD:
		lines := []ofd.Line{}
		for _, s := range visibleLines(in) {
			lines = append(lines, ofd.Line{Name: s[0], Value: s[1]})
		}
		doc, err := ofd.Build(ofd.Document{Title: c.Name, Lines: lines, Created: c.IssueDate.Time()})
		if err != nil {
			return nil, err
		}
		data, err = ofd.Seal(doc, ofd.Signer{Key: r.trust.Keys.PrivateKey(), CertDER: r.trust.Keys.Certificate().Raw, SealName: in.Department.Name})
		if err != nil {
			return nil, err
		}
	case models.FormatPDF:
		lines := []pdfdoc.Line{}
		for _, s := range visibleLines(in) {
			lines = append(lines, pdfdoc.Line{Name: s[0], Value: s[1]})
		}
		doc, err := pdfdoc.Build(pdfdoc.Document{Title: c.Name, Lines: lines, Created: c.IssueDate.Time()})
		if err != nil {
			return nil, err
		}
		if data, err = pdfdoc.Sign(doc, r.trust.PDFSigner); err != nil {
			return nil, err
		}
	default:
		return nil, models.Invalid("format", "%q is not pdf or ofd", string(format))
	}
	return r.StoreFile(ctx, nil, certID, format, data)
}

// visibleLines is what a layout file shows: the metadata, then the string
// surfaces (pictures are not drawn).
func visibleLines(in models.CanonicalInput) [][2]string {
	c := in.Certificate
	end := "长期"
	if c.ValidUntil != nil {
		end = c.ValidUntil.Spec()
	}
	out := [][2]string{
		{"证照编号", c.Number}, {"持证主体", in.Holder.Name}, {"持证主体代码", in.Holder.Code},
		{"颁发机构", in.Department.Name}, {"颁发日期", c.IssueDate.Spec()}, {"有效期", c.ValidFrom.Spec() + " 至 " + end},
		{"电子证照标识", c.ID},
	}
	for _, s := range in.Surfaces {
		if s.ValueType == models.ValueString {
			out = append(out, [2]string{s.Name, s.Value})
		}
	}
	return out
}

// mayManage reports whether acc may change certificate c: admins any,
// issuers their own department's.
func mayManage(acc *models.Account, c *models.Certificate) error {
	if acc.Has(models.RoleAdmin) || (acc.Has(models.RoleIssuer) && acc.DeptCode == c.IssueDeptCode) {
		return nil
	}
	return models.Errorf(models.EFORBIDDEN, "account %s may not change certificate %s: only admins and issuers of department %s may", acc.ID, c.ID, c.IssueDeptCode)
}

func (m *mutationResolver) AttachFile(ctx context.Context, certificateID string, format models.FileFormat, fileEntity string) (*models.CertificateFile, error) {
	acc, err := m.require(ctx, models.RoleIssuer, models.RoleAdmin)
	if err != nil {
		return nil, err
	}
	data, err := decodeFile("fileEntity", format, fileEntity)
	if err != nil {
		return nil, err
	}
	c, err := m.certificateByID(ctx, certificateID)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, models.Errorf(models.ENOTFOUND, "no certificate %s", certificateID)
	}
	if err := mayManage(acc, c); err != nil {
		return nil, err
	}
	f, err := m.StoreFile(ctx, nil, c.ID, format, data)
	if err != nil {
		return nil, err
	}
	f.Content = nil
	return f, nil
}

// Download is GET /files/{token} as plain Go: the layout file a download
// link names, if the link is authentic, unexpired, the file unchanged and
// the certificate not revoked. Every download is audited under the account
// and useFor of the read that minted the link. Refusals are *models.Error:
// EFORBIDDEN for a forged link, ENOTFOUND for what is gone (expired link,
// changed or deleted file, revoked certificate), EUNAVAILABLE when the
// audit cannot be written.
func (r *Resolver) Download(ctx context.Context, token string) (*models.CertificateFile, *models.Certificate, error) {
	l, err := r.trust.OpenLink(token, r.cfg.Now())
	switch {
	case errors.Is(err, keys.ErrLinkForged):
		return nil, nil, models.Errorf(models.EFORBIDDEN, "%s", err.Error())
	case errors.Is(err, keys.ErrLinkExpired):
		return nil, nil, models.Errorf(models.ENOTFOUND, "%s", err.Error())
	}
	acc := &models.Account{ID: l.AccountID}
	f, err := r.store.File(ctx, l.CertificateID)
	if err != nil {
		return nil, nil, err
	}
	if f == nil {
		return nil, nil, models.Errorf(models.ENOTFOUND, "the file no longer exists")
	}
	if !strings.HasPrefix(f.SHA256, l.SHA256) {
		_ = r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeDenied, "file changed since the link was made", l.CertificateID)
		return nil, nil, models.Errorf(models.ENOTFOUND, "the file has changed since this link was made; ask for a new link")
	}
	c, err := r.certificateByID(ctx, l.CertificateID)
	if err != nil || c == nil {
		return nil, nil, models.Errorf(models.ENOTFOUND, "the certificate no longer exists")
	}
	if c.RevokedAt != nil {
		_ = r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeDenied, "certificate revoked", c.ID)
		return nil, nil, models.Errorf(models.ENOTFOUND, "the certificate was revoked on %s: %s", c.RevokedAt.Format("2006-01-02"), c.RevokeReason)
	}
	if err := r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeOK, "", c.ID); err != nil {
		return nil, nil, err
	}
	return f, c, nil
}
