package issuing

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"

	"certgraph/internal/ofd"
	"certgraph/models"
)

// File is a layout file (版式文件) that passed the file check: within the
// size limit, and really a PDF or an OFD package. Only NewFile and
// DecodeFile make one, so holding a *File proves the check ran.
type File struct {
	format models.FileFormat
	data   []byte
}

// Format is the file's format.
func (f *File) Format() models.FileFormat { return f.format }

// Data is the file's content.
func (f *File) Data() []byte { return f.data }

// NewFile is the one file check, used by import, attach and verification:
// size (not empty, at most models.MaxFileSize), then format — a PDF must
// start with %PDF-, an OFD must be a readable OFD package (not just a ZIP).
// field names the input in errors.
func NewFile(field string, format models.FileFormat, data []byte) (*File, error) {
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
		// Structure only: signatures are verified once, by verifyFile, when
		// someone asks (verifying here too made every upload verify twice).
		if err := ofd.Check(data); errors.Is(err, ofd.ErrNotZip) || errors.Is(err, ofd.ErrNotOFD) || errors.Is(err, ofd.ErrEmpty) || errors.Is(err, ofd.ErrMalformed) {
			return nil, models.Invalid(field, "is not an OFD file: %v", err)
		}
	default:
		return nil, models.Invalid("fileFormat", "%q is not pdf or ofd", string(format))
	}
	return &File{format: format, data: data}, nil
}

// DecodeFile reads a base64 layout file (white space ignored) and checks
// it with NewFile. A body far beyond the limit is refused before decoding.
func DecodeFile(field string, format models.FileFormat, entity string) (*File, error) {
	if len(entity) > base64.StdEncoding.EncodedLen(models.MaxFileSize)+4 {
		return nil, models.Invalid(field, "is larger than the limit of %d bytes", models.MaxFileSize)
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(entity), ""))
	if err != nil {
		return nil, models.Invalid(field, "is not valid base64: %v", err)
	}
	return NewFile(field, format, data)
}
