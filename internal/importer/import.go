// Package importer loads certificates from JSON Lines files (DESIGN.md §6,
// `certgraph import FILE.jsonl`): one certificate per line with the keys of
// the spec's 表6/表7. Every line is validated on its own; a bad line is
// reported with its number, field and reason and nothing of it is stored,
// while the other lines import. Importing the same line again changes
// nothing.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"certgraph/models"

	"gorm.io/gorm"
)

// Options configures an import.
type Options struct {
	// FileSink stores a line's layout file (版式文件) inside the line's
	// transaction; an error from it rejects the line. It is called for every
	// line that carries a file, including unchanged ones, so it must be
	// idempotent. When nil, files are validated but not stored, and each
	// such line gets a warning in the Report.
	FileSink func(ctx context.Context, tx *gorm.DB, certID string, format string, data []byte) error
	// OnChange, when set, is called after commit with the identifier of
	// every certificate created or updated (for cache invalidation).
	OnChange func(certID string)
	// MaxLineBytes bounds one line (a base64 layout file makes lines long);
	// 0 means DefaultMaxLineBytes.
	MaxLineBytes int
}

// DefaultMaxLineBytes is the longest line accepted when Options.MaxLineBytes is 0.
const DefaultMaxLineBytes = 64 << 20

// Warning is a remark about a line that was imported anyway.
type Warning struct {
	Line          int
	CertificateID string
	Message       string
}

// String formats the warning as "line N (id): message".
func (w Warning) String() string {
	return fmt.Sprintf("line %d (%s): %s", w.Line, w.CertificateID, w.Message)
}

// Report is the outcome of an import: how many non-blank lines were read,
// how many certificates were created, updated or found unchanged, and the
// rejected lines and warnings.
type Report struct {
	Lines     int
	Imported  int
	Updated   int
	Unchanged int
	Errors    []LineError
	Warnings  []Warning
}

// Import reads r line by line and stores each valid certificate in its own
// transaction, with its holder and department upserted by code. progress,
// when non-nil, is called every 100 lines and at the end with the number of
// lines read. The returned error is only for failures that stop the whole
// import (reading r, the database, ctx); bad lines are in Report.Errors.
func Import(ctx context.Context, db *gorm.DB, r io.Reader, opts Options, progress func(lines int)) (Report, error) {
	var rep Report
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	db = db.WithContext(ctx)
	cat, err := loadCatalogue(db)
	if err != nil {
		return rep, err
	}
	br := bufio.NewReaderSize(r, 1<<16)
	for no := 1; ; no++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		text, tooLong, err := readLine(br, opts.MaxLineBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return rep, fmt.Errorf("import: reading line %d: %w", no, err)
		}
		if no == 1 {
			text = bytes.TrimPrefix(text, []byte("\xEF\xBB\xBF")) // a UTF-8 BOM from Windows tools
		}
		text = bytes.TrimSpace(text)
		if len(text) > 0 || tooLong {
			rep.Lines++
			if tooLong {
				rep.Errors = append(rep.Errors, LineError{Line: no, Message: fmt.Sprintf("is longer than %d bytes", opts.MaxLineBytes)})
			} else if lerr := importLine(ctx, db, cat, no, text, opts, &rep); lerr != nil {
				var le *LineError
				if !errors.As(lerr, &le) {
					return rep, lerr
				}
				rep.Errors = append(rep.Errors, *le)
			}
			if progress != nil && rep.Lines%100 == 0 {
				progress(rep.Lines)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if progress != nil {
		progress(rep.Lines)
	}
	return rep, nil
}

// readLine reads one line without its newline. A line longer than max is
// consumed to its end and reported as tooLong.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > max+1 { // +1: the newline itself
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(buf, []byte("\n")), tooLong, err
	}
}

func loadCatalogue(db *gorm.DB) (*catalogue, error) {
	var types []models.CertificateType
	if err := db.Find(&types).Error; err != nil {
		return nil, fmt.Errorf("import: certificate types: %w", err)
	}
	var hts []models.HolderType
	if err := db.Find(&hts).Error; err != nil {
		return nil, fmt.Errorf("import: holder types: %w", err)
	}
	cat := &catalogue{types: map[string]models.CertificateType{}, holderTypes: map[string]models.HolderType{}}
	for _, t := range types {
		cat.types[t.Code] = t
		cat.types[t.Name] = t
	}
	for _, h := range hts {
		cat.holderTypes[h.Code] = h
	}
	return cat, nil
}

// outcome is what storing a line did.
type outcome int

const (
	created outcome = iota
	updated
	unchanged
)

// importLine parses and stores one line. A *LineError means the line was
// rejected (and nothing stored); any other error stops the import.
func importLine(ctx context.Context, db *gorm.DB, cat *catalogue, no int, text []byte, opts Options, rep *Report) error {
	l, lerr := parseLine(cat, no, text)
	if lerr != nil {
		return lerr
	}
	var out outcome
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = save(tx, l)
		if err != nil {
			return err
		}
		if l.File != nil && opts.FileSink != nil {
			if err := opts.FileSink(ctx, tx, l.Certificate.ID, l.File.Format, l.File.Data); err != nil {
				return &LineError{Line: no, Field: "file", Message: "storing the layout file failed: " + err.Error()}
			}
		}
		return nil
	})
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			return le
		}
		return fmt.Errorf("import: line %d: %w", no, err)
	}
	for _, w := range l.Warnings {
		rep.Warnings = append(rep.Warnings, Warning{Line: no, CertificateID: l.Certificate.ID, Message: w})
	}
	if l.File != nil && opts.FileSink == nil {
		rep.Warnings = append(rep.Warnings, Warning{Line: no, CertificateID: l.Certificate.ID, Message: fmt.Sprintf(
			"layout file (%s, %d bytes) validated but not stored: no file store is configured (files are attached by the file component)", l.File.Format, len(l.File.Data))})
	}
	switch out {
	case created:
		rep.Imported++
	case updated:
		rep.Updated++
	case unchanged:
		rep.Unchanged++
		return nil
	}
	if opts.OnChange != nil {
		opts.OnChange(l.Certificate.ID)
	}
	return nil
}

// save upserts the department and holder by code and creates, updates or
// leaves the certificate.
func save(tx *gorm.DB, l *Line) (outcome, error) {
	changed := false

	var dept models.Department
	switch err := tx.Where("code = ?", l.Dept.Code).Limit(1).Find(&dept).Error; {
	case err != nil:
		return 0, err
	case dept.Code == "":
		if err := tx.Create(&l.Dept).Error; err != nil {
			return 0, err
		}
	case dept.Name != l.Dept.Name:
		if err := tx.Model(&dept).Update("name", l.Dept.Name).Error; err != nil {
			return 0, err
		}
		changed = true
	}

	var h models.Holder
	switch err := tx.Where("code = ?", l.Holder.Code).Limit(1).Find(&h).Error; {
	case err != nil:
		return 0, err
	case h.ID == 0:
		h = l.Holder
		if err := tx.Create(&h).Error; err != nil {
			return 0, err
		}
	case h.TypeCode != l.Holder.TypeCode:
		return 0, &LineError{Line: l.Number, Field: "certificateHolderType", Message: fmt.Sprintf(
			"holder %s is already registered with holder type %s, not %s", l.Holder.Code, h.TypeCode, l.Holder.TypeCode)}
	case h.Name != l.Holder.Name:
		if err := tx.Model(&h).Update("name", l.Holder.Name).Error; err != nil {
			return 0, err
		}
		changed = true
	}
	c := l.Certificate
	c.HolderID = h.ID

	var old models.Certificate
	if err := tx.Preload("Surfaces", func(q *gorm.DB) *gorm.DB { return q.Order("position") }).Where("id = ?", c.ID).Limit(1).Find(&old).Error; err != nil {
		return 0, err
	}
	if old.ID == "" {
		if err := tx.Create(&c).Error; err != nil {
			return 0, err
		}
		return created, nil
	}
	if same(&old, &c) {
		if changed {
			return updated, nil
		}
		return unchanged, nil
	}
	if err := tx.Model(&models.Certificate{}).Where("id = ?", c.ID).Updates(map[string]any{
		"type_code": c.TypeCode, "name": c.Name, "number": c.Number, "holder_id": c.HolderID,
		"issue_dept_code": c.IssueDeptCode, "issue_date": c.IssueDate, "valid_from": c.ValidFrom,
		"valid_until": c.ValidUntil,
	}).Error; err != nil {
		return 0, err
	}
	if err := tx.Where("certificate_id = ?", c.ID).Delete(&models.Surface{}).Error; err != nil {
		return 0, err
	}
	if len(c.Surfaces) > 0 {
		if err := tx.Create(&c.Surfaces).Error; err != nil {
			return 0, err
		}
	}
	return updated, nil
}

// same reports whether the stored certificate already has the line's content.
func same(old, c *models.Certificate) bool {
	if old.TypeCode != c.TypeCode || old.Name != c.Name || old.Number != c.Number || old.HolderID != c.HolderID ||
		old.IssueDeptCode != c.IssueDeptCode || old.IssueDate != c.IssueDate || old.ValidFrom != c.ValidFrom ||
		(old.ValidUntil == nil) != (c.ValidUntil == nil) || (old.ValidUntil != nil && *old.ValidUntil != *c.ValidUntil) ||
		len(old.Surfaces) != len(c.Surfaces) {
		return false
	}
	for i, s := range old.Surfaces {
		n := c.Surfaces[i]
		if s.Position != n.Position || s.Name != n.Name || s.ColumnName != n.ColumnName || s.ValueType != n.ValueType || s.Value != n.Value {
			return false
		}
	}
	return true
}
