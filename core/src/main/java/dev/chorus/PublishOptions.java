package dev.chorus;

import dev.chorus.internal.TraceContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-publish options: a key that overrides the event's {@link EventKey}, user headers, and an
 * explicit correlation id. Immutable; every wither returns a new instance.
 *
 * <pre>{@code
 * bus.publish(event, PublishOptions.key("o1").header("tenant", "acme"));
 * }</pre>
 *
 * <p>Header names are 1 to 200 characters; names starting with {@code ce_},
 * {@code kafka_dlt-} or {@code chorus-} and the name {@code content-type} are reserved.
 * Values are at most 64 KiB of UTF-8 text. The headers {@code traceparent} and
 * {@code tracestate} set the event's W3C Trace Context (see {@link TraceContextProvider}); they
 * must be valid and travel as {@code ce_traceparent} and {@code ce_tracestate}.
 */
public final class PublishOptions {

  private static final PublishOptions DEFAULTS = new PublishOptions(null, Map.of(), null);
  private static final int MAX_HEADER_NAME = 200;
  private static final int MAX_HEADER_VALUE = 64 * 1024;

  private final String key;
  private final Map<String, String> headers;
  private final String correlationId;

  private PublishOptions(String key, Map<String, String> headers, String correlationId) {
    this.key = key;
    this.headers = headers;
    this.correlationId = correlationId;
  }

  /**
   * No key override, no headers, no correlation id.
   *
   * @return the default options
   */
  public static PublishOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Options with a key that overrides the event's {@link EventKey}.
   *
   * @param key the ordering key
   * @return new options
   * @throws NullPointerException if key is null
   */
  public static PublishOptions key(String key) {
    return DEFAULTS.withKey(key);
  }

  /**
   * These options with another key.
   *
   * @param key the ordering key
   * @return new options
   * @throws NullPointerException if key is null
   */
  public PublishOptions withKey(String key) {
    return new PublishOptions(Objects.requireNonNull(key, "key"), headers, correlationId);
  }

  /**
   * These options with one more user header (replacing one of the same name).
   *
   * @param name the header name
   * @param value the header value
   * @return new options
   * @throws NullPointerException if name or value is null
   * @throws IllegalArgumentException if the name is empty, too long or reserved, or the value
   *     is too long
   */
  public PublishOptions header(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (name.isEmpty() || name.length() > MAX_HEADER_NAME) {
      throw new IllegalArgumentException(
          "header name must have 1 to " + MAX_HEADER_NAME + " characters: '" + name + "'");
    }
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    if (lower.startsWith("ce_") || lower.startsWith("kafka_dlt-") || lower.startsWith("chorus-")
        || lower.equals("content-type")) {
      throw new IllegalArgumentException("header name is reserved for Chorus: '" + name
          + "' (names starting with ce_, kafka_dlt- or chorus-, and content-type)");
    }
    if (lower.equals(EventMetadata.TRACEPARENT) || lower.equals(EventMetadata.TRACESTATE)) {
      if (!name.equals(lower)) {
        throw new IllegalArgumentException("trace context header names are lower case: '" + lower + "', not '" + name
            + "'");
      }
      boolean valid = lower.equals(EventMetadata.TRACEPARENT) ? TraceContext.isValidTraceparent(value)
          : TraceContext.isValidTracestate(value);
      if (!valid) {
        throw new IllegalArgumentException("not a valid W3C " + lower + ": '" + value + "'");
      }
    }
    int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_HEADER_VALUE) {
      throw new IllegalArgumentException(
          "header '" + name + "' value cannot exceed " + MAX_HEADER_VALUE + " bytes of UTF-8: " + bytes);
    }
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new PublishOptions(key, Map.copyOf(copy), correlationId);
  }

  /**
   * These options with an explicit correlation id, for a chain that started outside Chorus
   * (an HTTP request id, say). Publishing through an {@link EventContext} sets it already.
   *
   * @param correlationId the correlation id
   * @return new options
   * @throws NullPointerException if correlationId is null
   */
  public PublishOptions correlationId(String correlationId) {
    return new PublishOptions(key, headers, Objects.requireNonNull(correlationId, "correlationId"));
  }

  /**
   * The key override.
   *
   * @return the key, or {@code null} to use the event's {@link EventKey}
   */
  public String key() {
    return key;
  }

  /**
   * The user headers.
   *
   * @return an unmodifiable map, possibly empty
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * The explicit correlation id.
   *
   * @return the correlation id, or {@code null} if none was set
   */
  public String correlationId() {
    return correlationId;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublishOptions other
        && Objects.equals(key, other.key)
        && headers.equals(other.headers)
        && Objects.equals(correlationId, other.correlationId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, headers, correlationId);
  }

  @Override
  public String toString() {
    return "PublishOptions[key=" + key + ", headers=" + headers + ", correlationId=" + correlationId + "]";
  }
}
