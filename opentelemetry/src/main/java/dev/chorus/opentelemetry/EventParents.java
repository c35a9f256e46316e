package dev.chorus.opentelemetry;

import dev.chorus.EventMetadata;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The parent of every span recorded for an event: the publisher's trace context the event
 * carries, or, for an event that carries none, a context derived from its correlation id (the
 * "chain context").
 *
 * <p>Without a {@code traceparent} on the event, the producer span's own id cannot reach the
 * consumers (the listener learns it only after the record was written), so the spans of such an
 * event would fall into unrelated traces. Instead they all get the same remote parent, computed
 * from the correlation id that every event of a chain carries: trace id and span id are the
 * first 16 and next 8 bytes of {@code SHA-256("chorus-chain:" + correlationId)}. Every process
 * computes the same context, so one chain becomes one trace whose root span is never recorded.
 * The context is marked sampled: a parent-based sampler records such chains.
 */
final class EventParents {

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final HexFormat HEX = HexFormat.of();
  private static final TextMapGetter<Map<String, String>> HEADERS =
      (carrier, key) -> carrier == null ? null : carrier.get(key);

  private EventParents() {}

  /**
   * The context to make an event's spans children of.
   *
   * @param metadata the event's metadata; in an undecodable dead letter any field may be null
   * @return the event's trace context, else its chain context, else the root context (a new
   *     trace) when the event has neither a correlation id nor an id
   */
  static Context of(EventMetadata metadata) {
    if (metadata.traceparent().isPresent()) {
      Context extracted = W3C.extract(Context.root(), metadata.headers(), HEADERS);
      if (Span.fromContext(extracted).getSpanContext().isValid()) {
        return extracted;
      }
    }
    String chain = metadata.correlationId() != null ? metadata.correlationId() : metadata.id();
    return chain == null ? Context.root() : Context.root().with(Span.wrap(chainContext(chain)));
  }

  /**
   * The remote span context standing for a chain of events that carry no trace context.
   *
   * @param correlationId the chain's correlation id
   * @return a sampled remote span context, the same in every process
   */
  static SpanContext chainContext(String correlationId) {
    byte[] digest = sha256("chorus-chain:" + correlationId);
    return SpanContext.createFromRemoteParent(HEX.formatHex(digest, 0, 16), HEX.formatHex(digest, 16, 24),
        TraceFlags.getSampled(), TraceState.getDefault());
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (java.security.MessageDigest's contract).
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
