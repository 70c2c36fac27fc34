package barcode

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// DefaultQRLevel is the QR error-correction level used when none is given (M).
const DefaultQRLevel = 2

// qrLevels maps levels 1–4 to the library's recovery levels L, M, Q, H.
var qrLevels = [...]qrcode.RecoveryLevel{1: qrcode.Low, 2: qrcode.Medium, 3: qrcode.High, 4: qrcode.Highest}

// QRMatrix encodes payload (as UTF-8 bytes; ISO/IEC 18004 byte mode where
// needed) as a QR code at error-correction level 1=L, 2=M, 3=Q, 4=H
// (0 = M), choosing the smallest version that fits.
func QRMatrix(payload string, level int) (*Matrix, error) {
	if payload == "" {
		return nil, fmt.Errorf("%w: nothing to put in the QR code", ErrEmptyPayload)
	}
	if level == 0 {
		level = DefaultQRLevel
	}
	if level < 1 || level > 4 {
		return nil, fmt.Errorf("%w: QR level %d, allowed 1 (L), 2 (M), 3 (Q), 4 (H), or 0 for M", ErrInvalidLevel, level)
	}
	q, err := qrcode.New(payload, qrLevels[level])
	if err != nil {
		return nil, &TooLongError{Kind: QR, Level: level, Detail: fmt.Sprintf("%d bytes: %v", len(payload), err)}
	}
	q.DisableBorder = true // the quiet zone is added when rendering
	bm := q.Bitmap()
	m := newMatrix(QR, len(bm))
	m.Version, m.Level = q.VersionNumber, level
	for r, row := range bm {
		if len(row) != m.Size {
			return nil, fmt.Errorf("barcode: QR library returned a non-square bitmap (%d×%d)", len(row), m.Size)
		}
		copy(m.Modules[r], row)
	}
	return m, nil
}
