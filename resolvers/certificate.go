package resolvers

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"certgraph/internal/cache"
	"certgraph/internal/ident"
	"certgraph/internal/store"
	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

type certificateResolver struct{ *Resolver }

func (r *certificateResolver) Type(ctx context.Context, c *models.Certificate) (*models.CertificateType, error) {
	if c.Remote != nil {
		t := c.Remote.Type
		return &t, nil
	}
	return mustFind[models.CertificateType]("certificate type", c.TypeCode)(r.loadersOf(ctx).certType.Load(ctx, c.TypeCode))
}

func (r *certificateResolver) Number(ctx context.Context, c *models.Certificate) (string, error) {
	acc, err := r.caller(ctx)
	if err != nil {
		return "", err
	}
	if !masked(acc) {
		return c.Number, nil
	}
	// A person's certificate number is often their 公民身份号码.
	ct, err := r.Type(ctx, c)
	if err != nil || ct.HolderKind != models.KindPerson {
		return c.Number, err
	}
	return ident.MaskCode(c.Number), nil
}

func (r *certificateResolver) Holder(ctx context.Context, c *models.Certificate) (*models.Holder, error) {
	if c.Remote != nil {
		h := c.Remote.Holder
		return &h, nil
	}
	return r.holderOf(ctx, c)
}

// holderOf is a local certificate's holder. A cached holder is answered at
// once: the loader would first wait its batching window for other keys
// (the common cache-hot read). Certificate.holder and the canonical form
// digitalSign signs both take it from here, so a signature covers the
// holder the same answer shows.
func (r *Resolver) holderOf(ctx context.Context, c *models.Certificate) (*models.Holder, error) {
	if v, ok := r.cache.Get(cache.HolderKey(c.HolderID)); ok {
		h := *v.(*models.Holder)
		return &h, nil
	}
	return mustFind[models.Holder]("holder", "")(r.loadersOf(ctx).holderByID.Load(ctx, c.HolderID))
}

func (r *certificateResolver) IssueDept(ctx context.Context, c *models.Certificate) (*models.Department, error) {
	if c.Remote != nil {
		d := c.Remote.Dept
		return &d, nil
	}
	return mustFind[models.Department]("department", c.IssueDeptCode)(r.loadersOf(ctx).dept.Load(ctx, c.IssueDeptCode))
}

func (r *certificateResolver) Status(ctx context.Context, c *models.Certificate) (models.CertificateStatus, error) {
	return c.Status(r.today()), nil
}

// Surfaces are the certificate's visible content: personal data that
// analysts do not see.
func (r *certificateResolver) Surfaces(ctx context.Context, c *models.Certificate) ([]models.Surface, error) {
	acc, err := r.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if masked(acc) {
		_ = r.audit(ctx, acc, "certificate.surfaces", c.UseFor, models.OutcomeDenied, "analysts do not see surfaces", c.ID)
		return nil, models.Errorf(models.EFORBIDDEN, "analyst accounts do not see certificate surfaces")
	}
	if c.Remote != nil {
		return c.Remote.Surfaces, nil
	}
	if c.Surfaces != nil { // loaded with the certificate (certificateByID)
		return c.Surfaces, nil
	}
	return r.loadersOf(ctx).surfacesByCert.Load(ctx, c.ID)
}

// primeCertificates fills in what the selection below the current field
// asks of a list of local certificates, one statement each: their surfaces
// (when the caller may see them, or digitalSign covers them), their holders
// and their layout files' metadata. path leads from the current field to
// the certificates ("edges", "node" for a connection).
//
// Certificate fields resolve one after another (internal/gqlgenerate), so
// a loader waited on per certificate would wait its batching window once
// per field; and the window itself can split one list into several
// statements on a loaded machine.
func (r *Resolver) primeCertificates(ctx context.Context, acc *models.Account, certs []models.Certificate, path ...string) error {
	if len(certs) == 0 {
		return nil
	}
	names := selected(ctx, path...)
	asks := func(field string) bool { return slices.Contains(names, field) }
	signs := asks("digitalSign")
	if signs || !masked(acc) && asks("surfaces") {
		if err := r.primeSurfaces(ctx, certs); err != nil {
			return err
		}
	}
	if signs || asks("holder") {
		if err := r.primeHolders(ctx, certs); err != nil {
			return err
		}
	}
	if asks("file") || asks("fileLink") {
		return r.primeFiles(ctx, certs)
	}
	return nil
}

// primeFiles loads the layout-file metadata of the local certificates into
// this request's primed files.
func (r *Resolver) primeFiles(ctx context.Context, certs []models.Certificate) error {
	var ids []string
	for i := range certs {
		if certs[i].Remote == nil {
			ids = append(ids, certs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	fs, err := r.store.FileMetasOf(ctx, ids)
	if err != nil {
		return err
	}
	r.loadersOf(ctx).files.put(ids, fs)
	return nil
}

// primeSurfaces sets the surfaces of the local certificates that have none
// loaded.
func (r *Resolver) primeSurfaces(ctx context.Context, certs []models.Certificate) error {
	var ids []string
	for i := range certs {
		if certs[i].Remote == nil && certs[i].Surfaces == nil {
			ids = append(ids, certs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	by, err := r.surfacesByID(ctx, ids)
	if err != nil {
		return err
	}
	for i := range certs {
		if certs[i].Remote == nil && certs[i].Surfaces == nil {
			certs[i].Surfaces = by[certs[i].ID]
		}
	}
	return nil
}

// primeHolders puts the holders of local certificates into this request's
// holder loader (through the node cache), so Certificate.holder finds them
// without waiting; holders the request already read (a holder's own
// certificates) are not read again.
func (r *Resolver) primeHolders(ctx context.Context, certs []models.Certificate) error {
	l := r.loadersOf(ctx)
	seen := map[int64]bool{}
	var ids []int64
	for i := range certs {
		id := certs[i].HolderID
		if _, known := l.holders.Load(id); certs[i].Remote == nil && !seen[id] && !known {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	hs, err := r.holdersByID(ctx, ids)
	if err != nil {
		return err
	}
	for _, h := range hs {
		l.primeHolder(h)
	}
	return nil
}

// selected returns the names of the fields the current field's selection
// asks for at path (each name a field of the one before it, on any type):
// none when path is not selected.
func selected(ctx context.Context, path ...string) []string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	sel := fc.Field.Selections
	for _, name := range path {
		var next ast.SelectionSet
		found := false
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			if f.Name == name {
				found = true
				next = append(next, f.Selections...)
			}
		}
		if !found {
			return nil
		}
		sel = next
	}
	fields := graphql.CollectFields(oc, sel, nil)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return names
}

// Region is the owner's region: this node's for a local certificate.
func (r *certificateResolver) Region(ctx context.Context, c *models.Certificate) (string, error) {
	return c.OwnerRegion(r.cfg.Region), nil
}

// Source says whether the answer came from this database or through the hub.
func (r *certificateResolver) Source(ctx context.Context, c *models.Certificate) (models.CertificateSource, error) {
	if c.Remote != nil {
		return models.SourceNational, nil
	}
	return models.SourceLocal, nil
}

// SigningKeyID names the owner's key that makes digitalSign.
func (r *certificateResolver) SigningKeyID(ctx context.Context, c *models.Certificate) (*string, error) {
	if c.Remote != nil {
		if c.Remote.SigningKeyID == "" {
			return nil, nil
		}
		k := c.Remote.SigningKeyID
		return &k, nil
	}
	k := r.trust.Keys.KeyID()
	return &k, nil
}

// FileContent is the layout file's bytes for a NODE account (a file
// fetched through the hub for a download link of another region); the
// read is audited under the certificate's useFor.
func (r *certificateResolver) FileContent(ctx context.Context, c *models.Certificate) (*string, error) {
	acc, err := r.require(ctx, models.RoleNode)
	if err != nil {
		return nil, err
	}
	if c.Remote != nil {
		f, _, err := r.remoteFile(ctx, c.ID, c.UseFor)
		if err != nil {
			return nil, err
		}
		s := base64.StdEncoding.EncodeToString(f.Content)
		return &s, r.audit(ctx, acc, "fileContent", c.UseFor, models.OutcomeOK, "file through the hub", c.ID)
	}
	f, err := r.store.File(ctx, c.ID)
	if err != nil || f == nil {
		return nil, err
	}
	if err := r.audit(ctx, acc, "fileContent", c.UseFor, models.OutcomeOK, "file for another region", c.ID); err != nil {
		return nil, err
	}
	s := base64.StdEncoding.EncodeToString(f.Content)
	return &s, nil
}

// RevokeCertificate revokes a certificate with a reason: issuers their own
// department's, admins any. The cached copy is invalidated before the
// mutation returns, so no path serves it as valid afterwards.
func (m *mutationResolver) RevokeCertificate(ctx context.Context, id string, reason string) (*models.Certificate, error) {
	acc, err := m.require(ctx, models.RoleIssuer, models.RoleAdmin)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, models.Invalid("reason", "is required")
	}
	if utf8.RuneCountInString(reason) > 500 {
		return nil, models.Invalid("reason", "is longer than 500 characters")
	}
	if _, err := ident.ParseCertID(id); err != nil {
		return nil, models.Invalid("id", "is not a valid certificate identifier: %s", err)
	}
	var out *models.Certificate
	err = m.writer.Tx(ctx, func(tx *store.DB, stale func(...string)) error {
		stale(cache.CertificateKey(id))
		var err error
		if out, err = tx.CertificateByID(ctx, id); err != nil {
			return err
		}
		if out == nil {
			return models.Errorf(models.ENOTFOUND, "no certificate %s", id)
		}
		if err := mayManage(acc, out); err != nil {
			return err
		}
		if out.RevokedAt != nil {
			return models.Errorf(models.ECONFLICT, "certificate %s was already revoked on %s", id, models.DayOf(*out.RevokedAt))
		}
		now := m.cfg.Now().UTC().Truncate(time.Microsecond)
		out.RevokedAt, out.RevokeReason = &now, reason
		if err := tx.RevokeCertificate(ctx, id, now, reason); err != nil {
			return err
		}
		_, err = tx.EnqueueDirectoryChange(ctx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The answer can carry the holder and surfaces: it is a read too.
	out.UseFor = models.UseOther
	return out, m.audit(ctx, acc, "revokeCertificate", models.UseOther, models.OutcomeOK, "revoked: "+reason, out.ID)
}
