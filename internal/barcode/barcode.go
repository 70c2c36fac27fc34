// Package barcode renders the two-dimensional code image answered by the
// 加密证照标识二维码获取服务 (DB51/T 2942—2022 §6.4.4): a PNG of a payload
// string as either a QR code (ISO/IEC 18004) or a Grid Matrix code
// (GB/T 27766-2011, "GM").
//
// QR encoding uses github.com/skip2/go-qrcode. Grid Matrix is implemented
// here; its output is checked module for module against zint, the reference
// encoder (see gridmatrix.go for the details and the known zint defects).
package barcode

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the symbology of a rendered code: QR or GM.
type Kind string

// The supported symbologies.
const (
	// QR is the QR Code symbology (ISO/IEC 18004); the default.
	QR Kind = "QR"
	// GM is the Grid Matrix symbology (GB/T 27766-2011).
	GM Kind = "GM"
)

// Sentinel errors; the errors returned by this package wrap one of them, so
// callers can test with errors.Is and still show the detailed message.
var (
	// ErrUnknownKind reports a code type that is neither QR nor GM.
	ErrUnknownKind = errors.New("barcode: unknown code type")
	// ErrEmptyPayload reports an attempt to encode an empty payload.
	ErrEmptyPayload = errors.New("barcode: empty payload")
	// ErrInvalidLevel reports an error-correction level outside the symbology's range.
	ErrInvalidLevel = errors.New("barcode: invalid error-correction level")
	// ErrInvalidVersion reports a symbol version (size) outside the symbology's range.
	ErrInvalidVersion = errors.New("barcode: invalid version")
	// ErrInvalidOption reports a rendering option (scale, quiet zone) out of range.
	ErrInvalidOption = errors.New("barcode: invalid option")
	// ErrTooLong reports a payload that does not fit the largest symbol; the
	// concrete error is a *TooLongError.
	ErrTooLong = errors.New("barcode: payload too long")
)

// TooLongError is the error for a payload that does not fit any symbol at
// the requested error-correction level (or the requested version). It
// matches ErrTooLong with errors.Is.
type TooLongError struct {
	Kind    Kind   // symbology
	Level   int    // error-correction level that was requested
	Version int    // requested version, 0 when chosen automatically
	Need    int    // capacity units the payload needs (codewords for GM, bytes for QR when known, else 0)
	Max     int    // capacity units available (same unit as Need; 0 when unknown)
	Unit    string // name of the unit of Need and Max
	Detail  string // extra explanation from the encoder, if any
}

// Error describes how much the payload needs and how much fits.
func (e *TooLongError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "barcode: payload too long for %s", e.Kind)
	if e.Version > 0 {
		fmt.Fprintf(&b, " version %d", e.Version)
	}
	fmt.Fprintf(&b, " at error-correction level %d", e.Level)
	if e.Max > 0 {
		fmt.Fprintf(&b, ": needs %d %s, at most %d fit", e.Need, e.Unit, e.Max)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrTooLong) true for a *TooLongError.
func (e *TooLongError) Is(target error) bool { return target == ErrTooLong }

// ParseKind parses a code type name as used by the API's head.codeType:
// case-insensitive "QR" or "GM"; the empty string means QR.
func ParseKind(s string) (Kind, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "QR":
		return QR, nil
	case "GM":
		return GM, nil
	}
	return "", fmt.Errorf("%w %q: allowed values are %q and %q (empty means %q)", ErrUnknownKind, s, QR, GM, QR)
}

// Default rendering parameters.
const (
	// DefaultScale is the default number of pixels per module.
	DefaultScale = 6
	// MaxScale is the largest accepted number of pixels per module.
	MaxScale = 64
	// QRQuietZone is the default QR quiet zone in modules (ISO/IEC 18004 requires 4).
	QRQuietZone = 4
	// GMQuietZone is the default Grid Matrix quiet zone in modules; 6 is the
	// width AIMD014 §7.1 asks for and what zint draws with --quietzones.
	GMQuietZone = 6
	// MaxQuietZone is the largest accepted quiet zone in modules.
	MaxQuietZone = 64
)

// Options tunes Encode. The zero value gives the defaults.
type Options struct {
	// Level is the error-correction level; 0 selects the default.
	// QR: 1=L (7%), 2=M (15%, default), 3=Q (25%), 4=H (30%).
	// GM: 1–5 (about 10%–50%, GB/T 27766 Table 3); 0 lets the encoder choose
	// as zint does (5 for version 1, 4 for versions 2–3, 3 otherwise).
	Level int
	// Version forces the Grid Matrix version (1–13); 0 chooses automatically.
	// Ignored for QR.
	Version int
	// Scale is the number of pixels per module (default DefaultScale, at most MaxScale).
	Scale int
	// QuietZone is the white margin in modules (default QRQuietZone for QR,
	// GMQuietZone for GM, at most MaxQuietZone).
	QuietZone int
}

// Encode renders payload as a PNG image (black modules on white, with quiet
// zone) in the given symbology.
func Encode(kind Kind, payload string, opts Options) ([]byte, error) {
	m, err := EncodeMatrix(kind, payload, opts)
	if err != nil {
		return nil, err
	}
	scale, quiet, err := renderParams(kind, opts)
	if err != nil {
		return nil, err
	}
	return m.PNG(scale, quiet)
}

// EncodeMatrix builds the module matrix of payload in the given symbology,
// without quiet zone, honouring opts.Level and (for GM) opts.Version.
func EncodeMatrix(kind Kind, payload string, opts Options) (*Matrix, error) {
	if _, _, err := renderParams(kind, opts); err != nil {
		return nil, err
	}
	switch kind {
	case QR:
		return QRMatrix(payload, opts.Level)
	case GM:
		return GridMatrix([]byte(payload), opts.Level, opts.Version)
	}
	return nil, fmt.Errorf("%w %q: allowed values are %q and %q", ErrUnknownKind, string(kind), QR, GM)
}

// renderParams resolves the scale and quiet zone for kind from opts.
func renderParams(kind Kind, opts Options) (scale, quiet int, err error) {
	scale = opts.Scale
	if scale == 0 {
		scale = DefaultScale
	}
	if scale < 1 || scale > MaxScale {
		return 0, 0, fmt.Errorf("%w: Scale %d pixels per module, allowed 1–%d (0 = default %d)", ErrInvalidOption, opts.Scale, MaxScale, DefaultScale)
	}
	quiet = opts.QuietZone
	if quiet == 0 {
		quiet = QRQuietZone
		if kind == GM {
			quiet = GMQuietZone
		}
	}
	if quiet < 0 || quiet > MaxQuietZone {
		return 0, 0, fmt.Errorf("%w: QuietZone %d modules, allowed 1–%d (0 = default)", ErrInvalidOption, opts.QuietZone, MaxQuietZone)
	}
	return scale, quiet, nil
}
