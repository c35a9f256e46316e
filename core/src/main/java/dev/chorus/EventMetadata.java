package dev.chorus;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The envelope of an event: who published it, when, and how it relates to other events.
 * On the wire these are the CloudEvents attributes ({@code ce_id}, {@code ce_type},
 * {@code ce_source}, {@code ce_time}, the {@code ce_correlationid} and
 * {@code ce_causationid} extensions) plus the user's own headers.
 *
 * <p>For events delivered to a handler, {@code id}, {@code type}, {@code source},
 * {@code time} and {@code correlationId} are always present. Only in the {@link DeadLetter}
 * of an {@link DeadLetter.Reason#UNDECODABLE undecodable} record may they be {@code null},
 * when the record lacked them.
 *
 * @param id the event id, unique per published event and stable across redeliveries
 * @param type the logical type name ({@link EventType#value()})
 * @param source the publishing service ({@code EventBus.Builder#source})
 * @param time when the event was published, by the publisher's clock
 * @param key the ordering key, or {@code null} for none
 * @param correlationId the id shared by every event of one chain; a chain's first event
 *     carries its own id here
 * @param causationId the id of the event whose handling published this one, or {@code null}
 *     for a chain's first event
 * @param headers the user headers (not the {@code ce_*} attributes, except the trace context:
 *     {@code ce_traceparent} and {@code ce_tracestate} appear here as {@code traceparent} and
 *     {@code tracestate}), never null
 */
public record EventMetadata(
    String id,
    String type,
    String source,
    Instant time,
    String key,
    String correlationId,
    String causationId,
    Map<String, String> headers) {

  /** The header under which the W3C {@code traceparent} appears in {@link #headers()}. */
  public static final String TRACEPARENT = "traceparent";

  /** The header under which the W3C {@code tracestate} appears in {@link #headers()}. */
  public static final String TRACESTATE = "tracestate";

  /**
   * Validates and copies the headers.
   *
   * @param id see {@link #id()}
   * @param type see {@link #type()}
   * @param source see {@link #source()}
   * @param time see {@link #time()}
   * @param key see {@link #key()}
   * @param correlationId see {@link #correlationId()}
   * @param causationId see {@link #causationId()}
   * @param headers see {@link #headers()}
   * @throws NullPointerException if {@code headers} is null or holds a null name or value
   */
  public EventMetadata {
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
  }

  /**
   * The W3C Trace Context {@code traceparent} the event carries (the CloudEvents
   * {@code ce_traceparent} extension), which also appears in {@link #headers()} under
   * {@code traceparent}.
   *
   * @return the traceparent, or empty if the event carries none
   */
  public Optional<String> traceparent() {
    return Optional.ofNullable(headers.get(TRACEPARENT));
  }
}
