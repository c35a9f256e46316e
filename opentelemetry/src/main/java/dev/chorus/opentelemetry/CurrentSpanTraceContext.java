package dev.chorus.opentelemetry;

import dev.chorus.TraceContextProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/** The W3C {@code traceparent} of {@link Span#current()}, or none when no valid span is current. */
enum CurrentSpanTraceContext implements TraceContextProvider {
  INSTANCE;

  @Override
  public String traceparent() {
    SpanContext context = Span.current().getSpanContext();
    if (!context.isValid()) {
      return null;
    }
    return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + (context.isSampled() ? "01" : "00");
  }

  @Override
  public String toString() {
    return "TraceContextProvider[OpenTelemetry Span.current()]";
  }
}
