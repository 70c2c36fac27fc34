package pdfdoc

import (
	"errors"
	"fmt"
)

// Limits are the budgets Verify spends on one untrusted PDF. A file that
// needs more is refused with a *LimitError naming the budget, instead of
// being parsed: nested arrays or a flate bomb must not cost the process its
// stack or its memory. The zero value of a field means its default.
type Limits struct {
	// MaxDepth bounds the nesting of arrays and dictionaries in one object,
	// and of constructed values in a CMS signature. Default 64.
	MaxDepth int
	// MaxObjects bounds the values (numbers, strings, names, arrays, ...)
	// parsed from the file in total. Default 250,000.
	MaxObjects int
	// MaxXrefEntries bounds the cross-reference entries read from every
	// xref table and stream. Default 1,000,000.
	MaxXrefEntries int
	// MaxDecompressed bounds the bytes inflated from compressed xref and
	// object streams in total. Default 32 MiB.
	MaxDecompressed int64
	// MaxSignatures bounds the signatures (ByteRange keywords and signature
	// fields) checked in one file. Default 64.
	MaxSignatures int
	// MaxASN1Elements bounds the elements of one CMS signature value.
	// Default 100,000.
	MaxASN1Elements int
}

// DefaultLimits are the budgets used for zero fields of Limits.
var DefaultLimits = Limits{
	MaxDepth:        64,
	MaxObjects:      250_000,
	MaxXrefEntries:  1_000_000,
	MaxDecompressed: 32 << 20,
	MaxSignatures:   64,
	MaxASN1Elements: 100_000,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = d.MaxObjects
	}
	if l.MaxXrefEntries <= 0 {
		l.MaxXrefEntries = d.MaxXrefEntries
	}
	if l.MaxDecompressed <= 0 {
		l.MaxDecompressed = d.MaxDecompressed
	}
	if l.MaxSignatures <= 0 {
		l.MaxSignatures = d.MaxSignatures
	}
	if l.MaxASN1Elements <= 0 {
		l.MaxASN1Elements = d.MaxASN1Elements
	}
	return l
}

// ErrLimit is wrapped by every *LimitError.
var ErrLimit = errors.New("pdfdoc: PDF exceeds a parsing budget")

// LimitError is the refusal of a PDF that exceeds one of the Limits.
type LimitError struct {
	Budget string // the Limits field, e.g. "MaxDepth"
	Max    int64  // its value
	Where  string // what was being read when the budget ran out
}

// Error implements error.
func (e *LimitError) Error() string {
	return fmt.Sprintf("pdfdoc: PDF refused: %s: over the %s budget of %d", e.Where, e.Budget, e.Max)
}

// Unwrap makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Unwrap() error { return ErrLimit }
