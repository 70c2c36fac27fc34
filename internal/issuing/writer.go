package issuing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/gmcrypto"
	"certgraph/internal/invalidate"
	"certgraph/internal/keys"
	"certgraph/internal/ofd"
	"certgraph/internal/pdfdoc"
	"certgraph/internal/store"
	"certgraph/models"
)

// Writer stores certificates and layout files, and is the way every other
// write (account changes in the resolvers) announces what it made stale:
// the cache keys a write affects are appended to the invalidation log in
// the write's own transaction, so every node drops them, and this node's
// cache drops them before the write returns.
type Writer struct {
	store *store.DB
	cache *cache.Cache
	keys  *keys.Trust
	now   func() time.Time
	// location is where PDF signatures say they were made: the node's province.
	location string
	// node names this process in the invalidation log.
	node string
	// tailer, when set, is polled after each commit so that this node's
	// next reads (and its replicas' eligibility) reflect the write at once.
	tailer Poller
}

// Poller reads the invalidation log once (invalidate.Tailer).
type Poller interface {
	Poll(ctx context.Context) error
}

// NewWriter returns a writer over db that invalidates c and signs with k
// as the platform of the province named location (e.g. 四川省); now is the
// clock (nil means time.Now).
func NewWriter(db *store.DB, c *cache.Cache, k *keys.Trust, location string, now func() time.Time) *Writer {
	if now == nil {
		now = time.Now
	}
	return &Writer{store: db, cache: c, keys: k, location: location, now: now, node: invalidate.DefaultNode()}
}

// Announce names this process in the invalidation log (node) and gives the
// tailer to poll after each commit (nil for a command that serves nothing).
func (w *Writer) Announce(node string, tailer Poller) {
	if node != "" {
		w.node = node
	}
	w.tailer = tailer
}

// Tx runs fn in one transaction. The cache keys fn passes to stale are
// appended to the invalidation log in that transaction (they commit or roll
// back with the write); when it ends this node's cache drops them, and
// after a commit the tailer reads the log, so the write is seen here at
// once and on every other node within the tailer's bound.
func (w *Writer) Tx(ctx context.Context, fn func(tx *store.DB, stale func(keys ...string)) error) error {
	var keys []string
	err := w.store.Transaction(ctx, func(tx *store.DB) error {
		keys = keys[:0] // a retried transaction starts over
		if err := fn(tx, func(k ...string) { keys = append(keys, k...) }); err != nil {
			return err
		}
		return tx.AppendInvalidations(ctx, w.node, keys...)
	})
	// Also after a failure: the commit may have happened (a lost reply).
	for _, k := range keys {
		if k == store.InvalidateAll {
			w.cache.InvalidateAll()
		} else {
			w.cache.Invalidate(k)
		}
	}
	if err == nil && len(keys) > 0 && w.tailer != nil {
		// A failed poll is the tailer's to report (/readyz); the write stands.
		_ = w.tailer.Poll(context.WithoutCancel(ctx))
	}
	return err
}

// PutCertificate validates in and stores it in one transaction: department
// and holder upserted by code, the certificate created, updated or left as
// it is, and its layout file (when given) stored or replaced. It reports
// what happened to the certificate. A holder already stored with another
// code type is refused (EINVALID on certificateHolderType).
func (w *Writer) PutCertificate(ctx context.Context, in *Certificate) (store.Outcome, error) {
	if err := in.Validate(); err != nil {
		return 0, err
	}
	var out store.Outcome
	c := in.Certificate
	err := w.Tx(ctx, func(tx *store.DB, stale func(...string)) error {
		stale(cache.CertificateKey(c.ID))
		var err error
		out, err = tx.PutCertificate(ctx, in.Dept, in.Holder, &c)
		var conflict *store.HolderTypeConflict
		if errors.As(err, &conflict) {
			return models.Invalid("certificateHolderType", "%s", conflict.Error())
		}
		if err != nil {
			return err
		}
		if c.HolderID != 0 {
			// The holder may have been renamed: cached holders are read by
			// every certificate of theirs. The epoch first (see cache.HoldersKey).
			stale(cache.HoldersKey, cache.HolderKey(c.HolderID))
		}
		if in.File != nil {
			if _, err := w.putFile(ctx, tx, c.ID, in.File); err != nil {
				return fmt.Errorf("storing the layout file: %w", err)
			}
		}
		if out == store.Unchanged && in.File == nil {
			return nil
		}
		// The national directory learns of the change from the outbox,
		// written in this same transaction.
		_, err = tx.EnqueueDirectoryChange(ctx, c.ID, false)
		return err
	})
	return out, err
}

// AttachFile stores or replaces a certificate's layout file.
func (w *Writer) AttachFile(ctx context.Context, certID string, f *File) (*models.CertificateFile, error) {
	return w.storeFile(ctx, certID, f)
}

// storeFile stores a file and its directory change in one transaction,
// announcing the certificate as changed (its file is read through ReadCurrent).
func (w *Writer) storeFile(ctx context.Context, certID string, f *File) (*models.CertificateFile, error) {
	var row *models.CertificateFile
	err := w.Tx(ctx, func(tx *store.DB, stale func(...string)) error {
		stale(cache.CertificateKey(certID))
		var err error
		if row, err = w.putFile(ctx, tx, certID, f); err != nil {
			return err
		}
		_, err = tx.EnqueueDirectoryChange(ctx, certID, false)
		return err
	})
	return row, err
}

func (w *Writer) putFile(ctx context.Context, tx *store.DB, certID string, f *File) (*models.CertificateFile, error) {
	row := &models.CertificateFile{CertificateID: certID, Format: f.format, Size: int64(len(f.data)), SM3: gmcrypto.SM3Hex(f.data),
		SHA256: gmcrypto.SHA256Hex(f.data), Content: f.data, UploadedAt: w.now().UTC()}
	return row, tx.PutFile(ctx, row)
}

// IssueFile renders a certificate's layout file from its stored data and
// signs it with the platform's keys — OFD sealed with the SM2 key (SES v4),
// PDF with a CMS signature — then stores it as the certificate's file.
func (w *Writer) IssueFile(ctx context.Context, certID string, format models.FileFormat) (*models.CertificateFile, error) {
	in, err := w.canonicalInput(ctx, certID)
	if err != nil {
		return nil, err
	}
	c := in.Certificate
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
		data, err = ofd.Seal(doc, ofd.Signer{Key: w.keys.Keys.PrivateKey(), CertDER: w.keys.Keys.Certificate().Raw, SealName: in.Department.Name})
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
		signer := w.keys.PDFSigner
		signer.Location = w.location
		if data, err = pdfdoc.Sign(doc, signer); err != nil {
			return nil, err
		}
	default:
		return nil, models.Invalid("format", "%q is not pdf or ofd", string(format))
	}
	return w.storeFile(ctx, certID, &File{format: format, data: data})
}

// canonicalInput loads a certificate with its holder, department and surfaces.
func (w *Writer) canonicalInput(ctx context.Context, certID string) (models.CanonicalInput, error) {
	c, err := w.store.CertificateByID(ctx, certID)
	if err != nil {
		return models.CanonicalInput{}, err
	}
	if c == nil {
		return models.CanonicalInput{}, models.Errorf(models.ENOTFOUND, "no certificate %s", certID)
	}
	hs, err := w.store.HoldersByID(ctx, []int64{c.HolderID})
	if err != nil {
		return models.CanonicalInput{}, err
	}
	ds, err := store.ByCodes[models.Department](ctx, w.store, []string{c.IssueDeptCode})
	if err != nil {
		return models.CanonicalInput{}, err
	}
	if len(hs) == 0 || len(ds) == 0 {
		return models.CanonicalInput{}, models.Errorf(models.EINTERNAL, "certificate %s references a missing holder or department", certID)
	}
	ss, err := w.store.SurfacesOf(ctx, []string{c.ID})
	if err != nil {
		return models.CanonicalInput{}, err
	}
	if ss == nil {
		ss = []models.Surface{}
	}
	return models.CanonicalInput{Certificate: c, Holder: &hs[0], Department: &ds[0], Surfaces: ss}, nil
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
