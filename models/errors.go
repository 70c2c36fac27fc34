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
// Field it concerns (if any) and a human-readable Message safe to show callers.
type Error struct {
	Code    string
	Field   string
	Message string
	// RetryAfter, for ERATELIMITED, is how long until the caller may try again.
	RetryAfter time.Duration
}

// RateLimited returns an ERATELIMITED error: what was limited, and when to
// try again.
func RateLimited(retryAfter time.Duration, format string, args ...any) *Error {
	return &Error{Code: ERATELIMITED, Message: fmt.Sprintf(format, args...), RetryAfter: retryAfter}
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
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
