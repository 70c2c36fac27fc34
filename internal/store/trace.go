package store

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// Trace makes every statement a client span under the span of its
// context (the resolver or command that ran it). A span carries the
// statement with its "?" marks, never its parameters: they hold citizen
// ids and token hashes.
//
// gorm.io/plugin/opentelemetry does the same but links the ClickHouse and
// PostgreSQL drivers into the binary; these hooks are the part we need.
func (s *DB) Trace(tp trace.TracerProvider) error {
	tracer := tp.Tracer("certgraph/internal/store")
	system := string(s.dialect)
	type spanKey struct{}
	before := func(op string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			ctx, span := tracer.Start(tx.Statement.Context, "SQL "+op, trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(attribute.String("db.system.name", system)))
			tx.Statement.Context = context.WithValue(ctx, spanKey{}, span)
		}
	}
	after := func(tx *gorm.DB) {
		span, ok := tx.Statement.Context.Value(spanKey{}).(trace.Span)
		if !ok {
			return
		}
		defer span.End()
		query := tx.Statement.SQL.String()
		verb := strings.ToUpper(strings.SplitN(strings.TrimSpace(query), " ", 2)[0])
		name := "SQL " + verb
		if tx.Statement.Table != "" {
			name += " " + tx.Statement.Table
			span.SetAttributes(attribute.String("db.collection.name", tx.Statement.Table))
		}
		span.SetName(name)
		span.SetAttributes(attribute.String("db.query.text", query), attribute.String("db.operation.name", verb),
			attribute.Int64("db.response.rows_affected", tx.Statement.RowsAffected))
		if err := tx.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			span.SetStatus(codes.Error, err.Error())
		}
	}
	cb := s.g.Callback()
	hooks := []struct {
		name          string
		before, after interface {
			Register(string, func(*gorm.DB)) error
		}
	}{
		{"create", cb.Create().Before("gorm:create"), cb.Create().After("gorm:create")},
		{"query", cb.Query().Before("gorm:query"), cb.Query().After("gorm:query")},
		{"update", cb.Update().Before("gorm:update"), cb.Update().After("gorm:update")},
		{"delete", cb.Delete().Before("gorm:delete"), cb.Delete().After("gorm:delete")},
		{"row", cb.Row().Before("gorm:row"), cb.Row().After("gorm:row")},
		{"raw", cb.Raw().Before("gorm:raw"), cb.Raw().After("gorm:raw")},
	}
	for _, h := range hooks {
		if err := h.before.Register("certgraph:trace_before_"+h.name, before(h.name)); err != nil {
			return err
		}
		if err := h.after.Register("certgraph:trace_after_"+h.name, after); err != nil {
			return err
		}
	}
	return nil
}
