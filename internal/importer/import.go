// Package importer loads certificates from JSON Lines files (docs/IMPORT.md,
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

	"certgraph/internal/issuing"
	"certgraph/internal/store"
	"certgraph/models"
)

// Options configures an import.
type Options struct {
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
	// Changed lists the identifiers of the certificates created or updated.
	Changed  []string
	Errors   []LineError
	Warnings []Warning
}

// Import reads r line by line and stores each valid certificate through w
// (the one write path: validated, in its own transaction, with its holder
// and department upserted by code and its layout file). Names are looked
// up in db's catalogues. progress,
// when non-nil, is called every 100 lines and at the end with the number of
// lines read. The returned error is only for failures that stop the whole
// import (reading r, the database, ctx); bad lines are in Report.Errors.
func Import(ctx context.Context, db *store.DB, w *issuing.Writer, r io.Reader, opts Options, progress func(lines int)) (Report, error) {
	var rep Report
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	cat, err := loadCatalogue(ctx, db)
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
				rep.Errors = append(rep.Errors, LineError{Line: no, Message: fmt.Sprintf("the line is longer than %d bytes", opts.MaxLineBytes)})
			} else if lerr := importLine(ctx, w, cat, no, text, &rep); lerr != nil {
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

func loadCatalogue(ctx context.Context, db *store.DB) (*catalogue, error) {
	types, err := db.CertificateTypes(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: certificate types: %w", err)
	}
	hts, err := db.HolderTypes(ctx)
	if err != nil {
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

// importLine parses and stores one line. A *LineError means the line was
// rejected (and nothing stored); any other error stops the import.
func importLine(ctx context.Context, w *issuing.Writer, cat *catalogue, no int, text []byte, rep *Report) error {
	l, lerr := parseLine(cat, no, text)
	if lerr != nil {
		return lerr
	}
	out, err := w.PutCertificate(ctx, &issuing.Certificate{Certificate: l.Certificate, Holder: l.Holder, Dept: l.Dept, File: l.File})
	if models.ErrorCode(err) == models.EINVALID {
		return lineError(no, err)
	}
	if err != nil {
		return fmt.Errorf("import: line %d: %w", no, err)
	}
	for _, w := range l.Warnings {
		rep.Warnings = append(rep.Warnings, Warning{Line: no, CertificateID: l.Certificate.ID, Message: w})
	}
	switch out {
	case store.Created:
		rep.Imported++
	case store.Updated:
		rep.Updated++
	case store.Unchanged:
		rep.Unchanged++
		return nil
	}
	rep.Changed = append(rep.Changed, l.Certificate.ID)
	return nil
}
