package telemetry

import (
	"context"
	"time"

	"certgraph/internal/metrics"
	"certgraph/internal/reqinfo"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// GraphQL is a gqlgen extension: a span per operation (child of the HTTP
// request's span) and the operation's duration by name and type. Errors are
// counted by the error presenter (CountErrors), which sees every error
// including parse and validation failures. Spans per field are
// GraphQLFields'.
type GraphQL struct {
	Metrics *metrics.Metrics
	Tracing *Tracing
}

// GraphQLFields is a gqlgen extension: a span per resolver field — fields
// with a resolver method are the ones that reach the database or another
// service; plain struct fields are not traced. Register it only when
// tracing records: gqlgen calls a field interceptor for every field of
// every answer, the trivial ones included.
type GraphQLFields struct {
	Tracing *Tracing
}

var (
	_ graphql.HandlerExtension    = GraphQL{}
	_ graphql.ResponseInterceptor = GraphQL{}
	_ graphql.HandlerExtension    = GraphQLFields{}
	_ graphql.FieldInterceptor    = GraphQLFields{}
)

// ExtensionName names the extension to gqlgen.
func (GraphQLFields) ExtensionName() string { return "TelemetryFields" }

// Validate accepts any schema.
func (GraphQLFields) Validate(graphql.ExecutableSchema) error { return nil }

// ExtensionName names the extension to gqlgen.
func (GraphQL) ExtensionName() string { return "Telemetry" }

// Validate accepts any schema.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

func (g GraphQL) tracer() trace.Tracer {
	if g.Tracing == nil {
		return Off().Provider.Tracer(tracerName)
	}
	return g.Tracing.Provider.Tracer(tracerName)
}

// InterceptResponse wraps each operation's response.
func (g GraphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	name, typ := oc.OperationName, ""
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
	}
	reqinfo.AccessOf(ctx).SetOperation(name, typ)
	start := time.Now()
	ctx, span := g.tracer().Start(ctx, "GraphQL "+typ+" "+g.Metrics.OperationLabel(name), trace.WithAttributes(
		attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", clip(name, 64))))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetStatus(codes.Error, clip(resp.Errors[0].Message, 200))
	}
	g.Metrics.ObserveOperation(name, typ, since(start))
	return resp
}

// InterceptField traces fields resolved by a resolver method.
func (g GraphQLFields) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if g.Tracing == nil || !g.Tracing.recording {
		return next(ctx) // nothing to record: no span per field
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := g.Tracing.Provider.Tracer(tracerName).Start(ctx, "resolve "+fc.Object+"."+fc.Field.Name)
	defer span.End()
	if span.IsRecording() {
		span.SetAttributes(attribute.String("graphql.field.path", fc.Path().String()))
	}
	res, err := next(ctx)
	if err != nil {
		span.SetStatus(codes.Error, clip(err.Error(), 200))
	}
	return res, err
}

// CountErrors wraps an error presenter so every presented error is counted
// by its extensions.code.
func CountErrors(m *metrics.Metrics, present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		code, _ := e.Extensions["code"].(string)
		m.ObserveGraphQLError(code)
		return e
	}
}
