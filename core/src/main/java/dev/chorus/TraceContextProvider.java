package dev.chorus;

/**
 * Supplies the W3C Trace Context of the code that publishes, so that traces continue across
 * the transport. Give one to {@link EventBus.Builder#traceContext}; an OpenTelemetry binding
 * returns the current span's context.
 *
 * <p>When an event is published, its {@code traceparent} is, in this order: a
 * {@code traceparent} header given in {@link PublishOptions}, what this provider returns, or,
 * when publishing through an {@link EventContext}, the incoming event's. It travels as the
 * CloudEvents {@code ce_traceparent} extension (and {@code tracestate} as
 * {@code ce_tracestate}), unchanged across retries and into dead letters, and handlers see it
 * as {@link EventMetadata#traceparent()}.
 *
 * <p>Called on the publishing thread; must be thread-safe and must not block.
 */
@FunctionalInterface
public interface TraceContextProvider {

  /** A provider with no ambient trace context. */
  TraceContextProvider NONE = () -> null;

  /**
   * The W3C {@code traceparent} of the calling thread's current trace context, such as
   * {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}.
   *
   * @return the traceparent, or {@code null} if there is no current trace (a malformed value is
   *     ignored)
   */
  String traceparent();
}
