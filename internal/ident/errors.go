// Package ident validates, generates and masks the identifiers that
// electronic certificates (电子证照) carry: 公民身份号码 (GB 11643),
// 统一社会信用代码 (GB 32100) and 电子证照标识 (GB/T 36904).
//
// Validators report problems as *Error values whose Reason names the problem
// and whose Kind is one of the sentinel errors below, so a caller can both
// show the message and test it with errors.Is; the caller attaches the name
// of the input field with WithField.
package ident

import (
	"errors"
	"fmt"
)

// Sentinel kinds of identifier problem; every *Error unwraps to one of them.
var (
	// ErrLength means the identifier has the wrong number of characters.
	ErrLength = errors.New("wrong length")
	// ErrCharacter means a character is outside the identifier's alphabet.
	ErrCharacter = errors.New("invalid character")
	// ErrCheck means the check character does not match the other characters.
	ErrCheck = errors.New("wrong check character")
	// ErrBirthDate means a citizen ID's characters 7–14 are not a plausible birth date.
	ErrBirthDate = errors.New("implausible birth date")
	// ErrFormat means the identifier's structure (root, parts, separators) is wrong.
	ErrFormat = errors.New("malformed identifier")
)

// Error is a specific problem with one identifier. Reason is the
// human-readable explanation (without the field name); Field is empty until a
// caller names the input field with WithField.
type Error struct {
	Field  string // input field the identifier came from, e.g. "certificateHolderCode"; may be empty
	Reason string // what is wrong, e.g. "wrong check character (got 3, want X)"
	Kind   error  // one of ErrLength, ErrCharacter, ErrCheck, ErrBirthDate, ErrFormat

	format string
	args   []any
}

// Template is the Reason's format and arguments, so callers can render the
// reason in another language from their message catalogue.
func (e *Error) Template() (string, []any) {
	if e.format == "" {
		return e.Reason, nil
	}
	return e.format, e.args
}

// Error formats the problem as "field: reason", or just the reason when no
// field has been attached.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Unwrap returns the sentinel kind so errors.Is(err, ErrCheck) works.
func (e *Error) Unwrap() error { return e.Kind }

// WithField returns err with the input field name attached. For an *Error
// (possibly wrapped) it returns a copy carrying the field; any other non-nil
// error is wrapped as "field: err". A nil err stays nil.
func WithField(err error, field string) error {
	if err == nil {
		return nil
	}
	var ie *Error
	if errors.As(err, &ie) {
		cp := *ie
		cp.Field = field
		return &cp
	}
	return fmt.Errorf("%s: %w", field, err)
}

func newError(kind error, format string, args ...any) *Error {
	return &Error{Reason: fmt.Sprintf(format, args...), Kind: kind, format: format, args: args}
}

// describeChar renders a character for an error message, quoting it so that
// spaces and control characters are visible.
func describeChar(r rune) string {
	return fmt.Sprintf("%q", r)
}
