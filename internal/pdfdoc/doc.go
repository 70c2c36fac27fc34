// Package pdfdoc builds, signs and verifies the PDF layout files (版式文件) of
// electronic certificates.
//
// Build writes a small, self-contained PDF (no embedded font: the CJK text uses
// the Adobe standard CID font STSong-Light, which every conforming reader
// substitutes); Sign adds a detached CMS (adbe.pkcs7.detached) signature with
// github.com/digitorus/pdfsign; Verify checks every signature of any PDF:
// the CMS signature, the ByteRange coverage and, separately, certificate trust.
//
// # Budgets for untrusted files
//
// Verify reads files from anyone, so it never hands them to a parser that
// recurses without bound or allocates what the file declares. Its own
// reader (parse.go) reads only the trailer, the catalog and the signature
// fields, lazily, and each CMS signature value is walked iteratively before
// github.com/digitorus/pkcs7 parses it. A file over a budget is refused with
// a *LimitError (errors.Is(err, ErrLimit)) naming it; VerifyOptions.Limits
// overrides them, zero fields keeping the defaults (DefaultLimits):
//
//	MaxDepth         64         nesting of arrays/dictionaries, and of CMS values
//	MaxObjects       250,000    PDF values parsed in total
//	MaxXrefEntries   1,000,000  cross-reference entries in total
//	MaxDecompressed  32 MiB     bytes inflated from xref and object streams
//	MaxSignatures    64         ByteRange keywords and signature fields
//	MaxASN1Elements  100,000    elements of one CMS signature value
//
// Sign uses github.com/digitorus/pdfsign (and through it
// github.com/digitorus/pdf), which have no such budgets: it is for files
// this package built, never for uploads.
package pdfdoc

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers can test with errors.Is.
var (
	// ErrInvalidDocument is wrapped by every *FieldError that Build returns.
	ErrInvalidDocument = errors.New("pdfdoc: invalid document")
	// ErrEmptyInput means the PDF bytes given to Sign or Verify are empty.
	ErrEmptyInput = errors.New("pdfdoc: empty input")
	// ErrNotPDF means the input does not start with a "%PDF-" header.
	ErrNotPDF = errors.New("pdfdoc: input is not a PDF (no %PDF- header)")
	// ErrMalformedPDF means the input has a PDF header but its structure
	// cannot be parsed.
	ErrMalformedPDF = errors.New("pdfdoc: malformed PDF")
	// ErrInvalidSigner is wrapped by Sign and NewSelfSignedCert errors about
	// the key, certificate or signer texts they were given.
	ErrInvalidSigner = errors.New("pdfdoc: invalid signer")
)

// FieldError is a Build input error: which field of the Document is wrong and why.
type FieldError struct {
	Field  string // e.g. "Title" or "Lines[2].Name"
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("pdfdoc: document field %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidDocument) true.
func (e *FieldError) Unwrap() error { return ErrInvalidDocument }
