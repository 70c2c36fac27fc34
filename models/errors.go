package models

import (
	"errors"
	"fmt"
	"time"
)

// Error codes are the stable, application-level failure classes. They are
// mapped exactly once at each edge: GraphQL extensions.code in resolvers and
// the spec status codes in legacy.
const (
	EINVALID         = "EINVALID"         // the caller's input is wrong; Field names which part
	ENOTFOUND        = "ENOTFOUND"        // the thing asked for does not exist (or is not visible)
	EUNAUTHENTICATED = "EUNAUTHENTICATED" // no, unknown, expired or revoked credentials
	EFORBIDDEN       = "EFORBIDDEN"       // authenticated, but not allowed to do this
	ECONFLICT        = "ECONFLICT"        // the request contradicts stored state
	EUNAVAILABLE     = "EUNAVAILABLE"     // a dependency (e.g. the national platform) cannot answer now
	EINTERNAL        = "EINTERNAL"        // a bug or an infrastructure failure; details are logged, not shown
	ERATELIMITED     = "ERATELIMITED"     // too many requests from this account or address; RetryAfter says when to try again
)

// Error is the one error type the domain returns: a stable Code, the input
// Field it concerns (if any) and a human-readable Message safe to show
// callers. Errors made by Errorf and Invalid also keep their catalogue
// format and arguments, so each surface renders them in its language
// (Render; docs/GRAPHQL.md, docs/LEGACY.md).
type Error struct {
	Code    string
	Field   string
	Message string // English

	// RetryAfter, for ERATELIMITED, is how long until the caller may try again.
	RetryAfter time.Duration

	format string
	args   []any
}

// Error implements the error interface (English).
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Template implements Templated: the message's catalogue format and arguments.
func (e *Error) Template() (string, []any) {
	if e.format == "" {
		return e.Message, nil
	}
	return e.format, e.args
}

// Reason renders the message without the field in lang.
func (e *Error) Reason(lang Lang, name Namer) string {
	f, args := e.Template()
	return Render(lang, name, f, args...)
}

// Render renders the whole error in lang, the field named by name:
// "field: message" in English, "参数 field message" in Chinese (the
// catalogue writes the Chinese texts of field errors as predicates).
func (e *Error) Render(lang Lang, name Namer) string {
	msg := e.Reason(lang, name)
	if e.Field == "" {
		return msg
	}
	field := e.Field
	if name != nil {
		field = name(field)
	}
	if lang == Chinese {
		return "参数 " + field + " " + msg
	}
	return field + ": " + msg
}

// RateLimited returns an ERATELIMITED error: what was limited (a catalogue
// format, as for Errorf), and when to try again.
func RateLimited(retryAfter time.Duration, format string, args ...any) *Error {
	return &Error{Code: ERATELIMITED, Message: Render(English, nil, format, args...), RetryAfter: retryAfter, format: format, args: args}
}

// Errorf returns an *Error with the given code and formatted message; format
// is a catalogue key (models/catalogue_zh.go).
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: Render(English, nil, format, args...), format: format, args: args}
}

// Invalid returns an EINVALID error about one input field; format is a
// catalogue key whose Chinese text is a predicate about the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: Render(English, nil, format, args...), format: format, args: args}
}

// ErrorIn renders err in lang (field names by name): an *Error through the
// catalogue, another error as a generic internal-error text.
func ErrorIn(err error, lang Lang, name Namer) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Render(lang, name)
	}
	return Render(lang, nil, "internal error")
}

// ErrorCode returns the code of err: the Code of an *Error in its chain,
// EINTERNAL for any other non-nil error, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the message of an
// *Error, or a generic text for internal errors (whose detail is only logged).
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Error()
	}
	return "internal error"
}

// ErrorField returns the input field an *Error in err's chain concerns, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
