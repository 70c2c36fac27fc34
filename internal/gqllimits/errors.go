package gqllimits

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Defaults of Errors.
const (
	DefaultMaxErrors       = 20
	DefaultMaxMessageBytes = 1024
)

// Errors is a gqlgen handler extension that bounds the errors of one
// response: at most Max errors (the rest replaced by one ERRORS_TRUNCATED
// error saying how many were left out) and at most MaxMessageBytes of each
// message. A flood of repeated directives otherwise answers 34 KB with 341 KB
// of errors, and a body that is not JSON came back whole inside the message.
type Errors struct {
	Max             int
	MaxMessageBytes int
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Errors{}

// ExtensionName names the extension in gqlgen's registry.
func (Errors) ExtensionName() string { return "ErrorLimit" }

// Validate is called once when the server starts.
func (e Errors) Validate(graphql.ExecutableSchema) error {
	if e.Max < 1 || e.MaxMessageBytes < 64 {
		return fmt.Errorf("error limits: at least 1 error of 64 bytes (got %d, %d)", e.Max, e.MaxMessageBytes)
	}
	return nil
}

// InterceptResponse trims the errors of each response, request errors
// included (gqlgen sends those through the same interceptors).
func (e Errors) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if len(resp.Errors) > e.Max {
		dropped := len(resp.Errors) - e.Max
		kept := append(gqlerror.List{}, resp.Errors[:e.Max]...)
		extra := gqlerror.Errorf("%d more errors were left out; only the first %d are shown", dropped, e.Max)
		extra.Extensions = map[string]any{"code": CodeTruncated, "omitted": dropped, "limit": e.Max}
		resp.Errors = append(kept, extra)
	}
	for i, err := range resp.Errors {
		if len(err.Message) <= e.MaxMessageBytes {
			continue
		}
		short := *err
		cut := truncate(err.Message, e.MaxMessageBytes)
		short.Message = cut + fmt.Sprintf(" … (%d bytes left out)", len(err.Message)-len(cut))
		resp.Errors[i] = &short
	}
	return resp
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
