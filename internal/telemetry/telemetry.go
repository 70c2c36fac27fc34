// Package telemetry is what the node tells its operators about the work it
// does: OpenTelemetry traces (configured by the standard OTEL_* variables,
// off when they are unset), the HTTP middleware that names each request by
// its route, measures it and writes its access log line, the GraphQL
// extension that traces operations and database-touching resolvers, and
// the HTTP transport that carries W3C trace context on outgoing calls.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Propagator is the W3C trace context (and baggage) propagator used on
// incoming and outgoing requests.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Tracing is the node's tracer provider and how to flush it.
type Tracing struct {
	Provider trace.TracerProvider
	// Exporting says whether spans leave the process.
	Exporting bool
	// recording is false when the provider records nothing (Off), so the
	// per-field spans can be skipped altogether.
	recording bool
	shutdown  func(context.Context) error
}

// Off is tracing that records nothing (spans still carry incoming trace
// context through to outgoing calls).
func Off() *Tracing {
	return &Tracing{Provider: noop.NewTracerProvider(), shutdown: func(context.Context) error { return nil }}
}

// With is tracing through a given provider (tests pass an SDK provider
// with an in-memory recorder).
func With(tp trace.TracerProvider) *Tracing {
	return &Tracing{Provider: tp, recording: true, shutdown: func(context.Context) error { return nil }}
}

// Recording reports whether spans are recorded (and so worth starting).
func (t *Tracing) Recording() bool { return t.recording }

// Shutdown flushes and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// FromEnv sets up tracing from the standard OpenTelemetry variables:
// spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (or OTEL_TRACES_EXPORTER=otlp),
// and not at all otherwise, or when OTEL_TRACES_EXPORTER=none or
// OTEL_SDK_DISABLED=true. The exporter reads the other OTEL_EXPORTER_OTLP_*
// variables (headers, timeout, TLS), the SDK reads OTEL_TRACES_SAMPLER*,
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
func FromEnv(ctx context.Context, getenv func(string) string) (*Tracing, error) {
	exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))
	endpoint := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") + getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	switch {
	case strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true"), exporter == "none":
		return Off(), nil
	case exporter == "" && endpoint == "":
		return Off(), nil
	case exporter != "" && exporter != "otlp":
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: this build exports traces with otlp (or none)", exporter)
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol != "" && protocol != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: this build speaks http/protobuf (an OpenTelemetry Collector accepts it on port 4318)", protocol)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithAttributes(semconv.ServiceName("certgraph")), resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{Provider: tp, Exporting: true, recording: true, shutdown: tp.Shutdown}, nil
}

// Transport wraps base (http.DefaultTransport when nil) so that each
// outgoing request is a client span and carries the W3C traceparent of the
// span in its context; the national dispatch client is built on it.
func Transport(base http.RoundTripper, tp trace.TracerProvider) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return otelhttp.NewTransport(base, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(Propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "HTTP " + r.Method + " " + r.URL.Host }))
}

// tracerName names the spans this package starts.
const tracerName = "certgraph/internal/telemetry"

// since is time.Since, for tests' sake kept in one place.
func since(t time.Time) time.Duration { return time.Since(t) }

// discardLogger is used when no logger is given.
var discardLogger = slog.New(slog.DiscardHandler)
