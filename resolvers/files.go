package resolvers

import (
	"context"
	"errors"
	"strings"
	"time"

	"certgraph/graph/model"
	"certgraph/internal/issuing"
	"certgraph/internal/keys"
	"certgraph/internal/reqinfo"
	"certgraph/models"
)

// fileMeta loads a certificate's file metadata (without the content).
// A list of certificates asking for files loaded them all at once.
func (r *Resolver) fileMeta(ctx context.Context, certID string) (*models.CertificateFile, error) {
	if f, ok := r.loadersOf(ctx).files.get(certID); ok {
		return f, nil
	}
	return r.store.FileMeta(ctx, certID)
}

func (r *certificateResolver) File(ctx context.Context, c *models.Certificate) (*models.CertificateFile, error) {
	if c.Remote != nil {
		return c.Remote.File, nil
	}
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
	f := (*models.CertificateFile)(nil)
	if c.Remote != nil {
		// A link of this node, which fetches the file through the hub when
		// the link is used: consumers need not reach other provinces.
		f = c.Remote.File
	} else if f, err = r.fileMeta(ctx, c.ID); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, nil
	}
	useFor := c.UseFor
	if useFor == "" {
		useFor = models.UseOther
	}
	base, err := r.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	exp := r.cfg.Now().Add(r.trust.FileLinkTTL).Truncate(time.Second)
	tok := r.trust.MintLink(keys.FileLink{CertificateID: c.ID, SHA256: f.SHA256[:32], Expires: exp.Unix(), AccountID: acc.ID, UseFor: useFor})
	if err := r.audit(ctx, acc, "fileLink", useFor, models.OutcomeOK, "download link minted", c.ID); err != nil {
		return nil, err
	}
	return &model.FileLink{Format: f.Format, URL: base + "/files/" + tok, ExpiresAt: exp.UTC()}, nil
}

// mayManage reports whether acc may change certificate c: admins any,
// issuers their own department's once an admin confirmed it.
func mayManage(acc *models.Account, c *models.Certificate) error {
	if acc.Has(models.RoleAdmin) {
		return nil
	}
	if acc.Has(models.RoleIssuer) && acc.DeptCode == c.IssueDeptCode {
		if acc.DeptConfirmedAt == nil {
			return models.Errorf(models.EFORBIDDEN, "account %s's department %s is not confirmed: an admin confirms it with approveAccount", acc.ID, acc.DeptCode)
		}
		return nil
	}
	return models.Errorf(models.EFORBIDDEN, "account %s may not change certificate %s: only admins and issuers of department %s may", acc.ID, c.ID, c.IssueDeptCode)
}

func (m *mutationResolver) AttachFile(ctx context.Context, certificateID string, format models.FileFormat, fileEntity string) (*models.CertificateFile, error) {
	acc, err := m.require(ctx, models.RoleIssuer, models.RoleAdmin)
	if err != nil {
		return nil, err
	}
	file, err := issuing.DecodeFile("fileEntity", format, fileEntity)
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
	f, err := m.writer.AttachFile(ctx, c.ID, file)
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
		return nil, nil, models.Errorf(models.EFORBIDDEN, "%s", err)
	case errors.Is(err, keys.ErrLinkExpired):
		return nil, nil, models.Errorf(models.ENOTFOUND, "%s", err)
	}
	// A link lives no longer than the account that minted it.
	acc, err := r.store.AccountByID(ctx, l.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if acc == nil || acc.Status != models.AccountApproved {
		acc = &models.Account{ID: l.AccountID}
		_ = r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeDenied, "the account that made the link is no longer approved", l.CertificateID)
		return nil, nil, models.Errorf(models.EFORBIDDEN, "the account that made this link is no longer approved; the link is void")
	}
	if region, err := r.where(ctx, l.CertificateID); err == nil && region != r.cfg.Region {
		return r.downloadRemote(ctx, acc, l)
	}
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
		return nil, nil, models.Errorf(models.ENOTFOUND, "the certificate was revoked on %s: %s", models.DayOf(*c.RevokedAt), c.RevokeReason)
	}
	if err := r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeOK, "", c.ID); err != nil {
		return nil, nil, err
	}
	return f, c, nil
}

// downloadRemote serves a download link of this node for another region's
// certificate: the file is fetched through the hub, checked against the
// link, and the download is audited here (and on every node it passed).
func (r *Resolver) downloadRemote(ctx context.Context, acc *models.Account, l keys.FileLink) (*models.CertificateFile, *models.Certificate, error) {
	ctx = r.WithRequest(ctx, reqinfo.RequestInfo{Channel: models.ChannelFile})
	st := stateOf(ctx)
	st.authOnce.Do(func() { st.account = acc })
	f, c, err := r.remoteFile(ctx, l.CertificateID, l.UseFor)
	if err != nil {
		_ = r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, outcomeOfErr(err), "through the hub: "+err.Error(), l.CertificateID)
		return nil, nil, err
	}
	if !strings.HasPrefix(f.SHA256, l.SHA256) {
		_ = r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeDenied, "file changed since the link was made", l.CertificateID)
		return nil, nil, models.Errorf(models.ENOTFOUND, "the file has changed since this link was made; ask for a new link")
	}
	if c.RevokedAt != nil {
		_ = r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeDenied, "certificate revoked", c.ID)
		return nil, nil, models.Errorf(models.ENOTFOUND, "the certificate was revoked on %s: %s", c.RevokedAt.Format("2006-01-02"), c.RevokeReason)
	}
	if err := r.auditAs(ctx, acc, models.ChannelFile, "download", l.UseFor, models.OutcomeOK, "through the hub", c.ID); err != nil {
		return nil, nil, err
	}
	return f, c, nil
}
