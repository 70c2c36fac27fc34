package resolvers

import (
	"context"
	"errors"
	"log/slog"

	"certgraph/internal/national"
	"certgraph/internal/ratelimit"
	"certgraph/internal/store"
	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// graphQLCodes maps domain error codes to GraphQL extensions.code, once, here.
var graphQLCodes = map[string]string{
	models.EINVALID:         "BAD_USER_INPUT",
	models.ENOTFOUND:        "NOT_FOUND",
	models.EUNAUTHENTICATED: "UNAUTHENTICATED",
	models.EFORBIDDEN:       "FORBIDDEN",
	models.ECONFLICT:        "BAD_USER_INPUT",
	models.EUNAVAILABLE:     "UNAVAILABLE",
	models.EINTERNAL:        "INTERNAL",
	models.ERATELIMITED:     "RATE_LIMITED",
}

// ErrorPresenter turns resolver errors into GraphQL errors with
// extensions.code (and extensions.field for bad input); internal errors are
// logged and shown only as "internal error". Messages are in the request's
// language (models' catalogue); extensions.code is the same in every language.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var derr *models.Error
		if !errors.As(err, &derr) {
			var already *gqlerror.Error
			if errors.As(err, &already) && already.Extensions["code"] != nil {
				return gerr // validation and parse errors keep their codes
			}
			if errors.As(err, &already) && already.Err == nil && already.Extensions == nil {
				// gqlgen's own input coercion errors: the caller's input is wrong.
				gerr.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
				return gerr
			}
			if !store.Unavailable(err) {
				log.ErrorContext(ctx, "internal error", "err", err, "path", gerr.Path.String())
				gerr.Message = models.ErrorIn(err, langOf(ctx), nil)
				gerr.Extensions = map[string]any{"code": "INTERNAL"}
				return gerr
			}
			// The database did not answer in time or refused the connection:
			// a fault of the moment, not of the request, answered as one.
			log.WarnContext(ctx, "database unavailable", "err", err, "path", gerr.Path.String())
			derr = models.Errorf(models.EUNAVAILABLE, "the database does not answer; try again later")
			gerr.Err = derr
		}
		code := graphQLCodes[derr.Code]
		if code == "" {
			code = "INTERNAL"
		}
		if derr.Code == models.EINTERNAL {
			log.ErrorContext(ctx, "internal error", "err", err, "path", gerr.Path.String())
		}
		gerr.Message = derr.Render(langOf(ctx), namesOf(ctx))
		gerr.Extensions = map[string]any{"code": code}
		if derr.Field != "" {
			gerr.Extensions["field"] = derr.Field
		}
		if region, ok := national.FailedRegion(err); ok {
			gerr.Extensions["region"] = region
		}
		if derr.Code == models.ERATELIMITED {
			gerr.Extensions["retryAfter"] = ratelimit.RetryAfterSeconds(derr.RetryAfter)
		}
		return gerr
	}
}
