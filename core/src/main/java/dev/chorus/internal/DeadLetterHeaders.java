package dev.chorus.internal;

import dev.chorus.DeadLetter;
import dev.chorus.EventMetadata;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RecordTooLargeException;
import dev.chorus.spi.TransportRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * The dead-letter record format: the original key, value and headers, plus the header set
 * Spring Kafka's {@code DeadLetterPublishingRecoverer} writes (same names, same binary
 * encodings: partition as a 4-byte big-endian int, offset and timestamp as 8-byte longs,
 * strings as UTF-8) and Chorus's own {@code chorus-dlt-*} headers (UTF-8 text: the reason
 * name, the attempt count in decimal, failure times in ISO-8601).
 *
 * <p>A dead letter that the transport refuses as too large (a {@link RecordTooLargeException}:
 * the original record already filled its topic's size limit, or carries headers far beyond what
 * Chorus reads) is written again, at once, in a smaller {@link Fit}: first without the large
 * original headers, then without the value too. A {@code chorus-dlt-left-out} header then says
 * what was left out; the original stays at its topic, partition and offset. Retrying the whole
 * record could never succeed and would stall the partition for good.
 */
public final class DeadLetterHeaders {

  static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";
  static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";
  static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";
  static final String ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";
  static final String ORIGINAL_TIMESTAMP_TYPE = "kafka_dlt-original-timestamp-type";
  static final String ORIGINAL_GROUP = "kafka_dlt-original-consumer-group";
  static final String EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";
  static final String EXCEPTION_CAUSE_FQCN = "kafka_dlt-exception-cause-fqcn";
  static final String EXCEPTION_MESSAGE = "kafka_dlt-exception-message";
  static final String EXCEPTION_STACKTRACE = "kafka_dlt-exception-stacktrace";
  static final String REASON = "chorus-dlt-reason";
  static final String ATTEMPTS = "chorus-dlt-attempts";
  static final String FIRST_FAILURE = "chorus-dlt-first-failure";
  static final String LAST_FAILURE = "chorus-dlt-last-failure";
  static final String LEFT_OUT = "chorus-dlt-left-out";

  /** How much of the original record a dead-letter record carries. */
  enum Fit {
    /** The original key, value and headers, whole. */
    WHOLE,
    /**
     * The original key and value, and those original headers whose name and value each have at
     * most {@value WireFormat#MAX_ATTRIBUTE_LENGTH} bytes, at most {@value WireFormat#MAX_HEADERS}
     * of them (so at most 256 KiB): the CloudEvents envelope is kept, so the record can still be
     * replayed.
     */
    SMALL_HEADERS,
    /** As {@link #SMALL_HEADERS}, with an empty value. */
    NO_VALUE
  }

  private DeadLetterHeaders() {}

  /** The record that carries a dead letter of {@code original} to {@code topic}, whole. */
  static OutgoingRecord toRecord(String topic, DeadLetter deadLetter, TransportRecord original, Throwable error) {
    return toRecord(topic, deadLetter, original, error, Fit.WHOLE);
  }

  /** The record that carries a dead letter of {@code original} to {@code topic}, in the given fit. */
  static OutgoingRecord toRecord(String topic, DeadLetter deadLetter, TransportRecord original, Throwable error,
      Fit fit) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    int leftOutHeaders = 0;
    long leftOutBytes = 0;
    for (Map.Entry<String, byte[]> header : original.headers().entrySet()) {
      String name = header.getKey();
      byte[] value = header.getValue();
      if (value == null || WireFormat.isDeadLetterHeader(name)) {
        continue;
      }
      if (fit == Fit.WHOLE || isSmall(name, value) && headers.size() < WireFormat.MAX_HEADERS) {
        headers.put(name, value);
      } else {
        leftOutHeaders++;
        leftOutBytes += name.length() + value.length;
      }
    }
    DeadLetter.Failure failure = deadLetter.failure();
    headers.put(ORIGINAL_TOPIC, WireFormat.utf8(deadLetter.topic()));
    headers.put(ORIGINAL_PARTITION, ByteBuffer.allocate(Integer.BYTES).putInt(deadLetter.partition()).array());
    headers.put(ORIGINAL_OFFSET, ByteBuffer.allocate(Long.BYTES).putLong(deadLetter.offset()).array());
    headers.put(ORIGINAL_TIMESTAMP, ByteBuffer.allocate(Long.BYTES).putLong(original.timestamp().toEpochMilli()).array());
    headers.put(ORIGINAL_TIMESTAMP_TYPE, WireFormat.utf8("CreateTime"));
    headers.put(ORIGINAL_GROUP, WireFormat.utf8(deadLetter.group()));
    headers.put(EXCEPTION_FQCN, WireFormat.utf8(failure.exceptionClass()));
    if (error != null && error.getCause() != null) {
      headers.put(EXCEPTION_CAUSE_FQCN, WireFormat.utf8(error.getCause().getClass().getName()));
    }
    headers.put(EXCEPTION_MESSAGE, WireFormat.utf8(failure.message()));
    headers.put(EXCEPTION_STACKTRACE, WireFormat.utf8(failure.stackTrace()));
    headers.put(REASON, WireFormat.utf8(failure.reason().name()));
    headers.put(ATTEMPTS, WireFormat.utf8(Integer.toString(failure.attempts())));
    headers.put(FIRST_FAILURE, WireFormat.utf8(failure.firstFailure().toString()));
    headers.put(LAST_FAILURE, WireFormat.utf8(failure.lastFailure().toString()));
    if (fit == Fit.WHOLE) {
      return new OutgoingRecord(topic, original.key(), original.value(), headers);
    }
    List<String> leftOut = new ArrayList<>(2);
    if (leftOutHeaders > 0) {
      leftOut.add(leftOutHeaders + " original header(s) of " + leftOutBytes + " bytes");
    }
    if (fit == Fit.NO_VALUE) {
      leftOut.add("the original value of " + original.value().length + " bytes");
    }
    headers.put(LEFT_OUT, WireFormat.utf8(String.join(" and ", leftOut) + ": the whole dead letter was too large for "
        + topic));
    return new OutgoingRecord(topic, original.key(), fit == Fit.NO_VALUE ? new byte[0] : original.value(), headers);
  }

  /**
   * The fit to try after the transport refused a dead letter of {@code original} in {@code fit}
   * as too large, or null if there is none or the failure was of another kind (to be retried
   * as it is). A smaller fit that would leave nothing out is passed over.
   */
  static Fit smaller(Fit fit, TransportRecord original, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
        : failure;
    if (!(cause instanceof RecordTooLargeException)) {
      return null;
    }
    if (fit == Fit.WHOLE && leavesHeadersOut(original)) {
      return Fit.SMALL_HEADERS;
    }
    return fit != Fit.NO_VALUE && original.value().length > 0 ? Fit.NO_VALUE : null;
  }

  private static boolean leavesHeadersOut(TransportRecord original) {
    int kept = 0;
    for (Map.Entry<String, byte[]> header : original.headers().entrySet()) {
      if (header.getValue() != null && !WireFormat.isDeadLetterHeader(header.getKey())) {
        if (!isSmall(header.getKey(), header.getValue()) || ++kept > WireFormat.MAX_HEADERS) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isSmall(String name, byte[] value) {
    return name.length() <= WireFormat.MAX_ATTRIBUTE_LENGTH && value.length <= WireFormat.MAX_ATTRIBUTE_LENGTH;
  }

  /**
   * Reads a dead letter back from a dead-letter record.
   *
   * @param key the record key
   * @param value the record value
   * @param headers the record headers
   * @return the dead letter
   * @throws IllegalArgumentException if a dead-letter header is missing or malformed
   */
  public static DeadLetter read(String key, byte[] value, Map<String, byte[]> headers) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(headers, "headers");
    EventMetadata metadata = WireFormat.readLenient(key, headers);
    String rawReason = text(headers, REASON);
    DeadLetter.Reason reason;
    try {
      reason = DeadLetter.Reason.valueOf(rawReason);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("header " + REASON + " is not a dead-letter reason: '" + rawReason + "'", e);
    }
    int attempts;
    try {
      attempts = Integer.parseInt(text(headers, ATTEMPTS));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("header " + ATTEMPTS + " is not a number", e);
    }
    DeadLetter.Failure failure = new DeadLetter.Failure(reason, text(headers, EXCEPTION_FQCN),
        text(headers, EXCEPTION_MESSAGE), text(headers, EXCEPTION_STACKTRACE), attempts,
        instant(headers, FIRST_FAILURE), instant(headers, LAST_FAILURE));
    return new DeadLetter(value, metadata, text(headers, ORIGINAL_GROUP), text(headers, ORIGINAL_TOPIC),
        ByteBuffer.wrap(bytes(headers, ORIGINAL_PARTITION, Integer.BYTES)).getInt(),
        ByteBuffer.wrap(bytes(headers, ORIGINAL_OFFSET, Long.BYTES)).getLong(), failure);
  }

  private static byte[] bytes(Map<String, byte[]> headers, String name, int length) {
    byte[] value = headers.get(name);
    if (value == null || (length > 0 && value.length != length)) {
      throw new IllegalArgumentException("not a Chorus dead-letter record: header " + name
          + (value == null ? " is missing" : " has " + value.length + " bytes, expected " + length));
    }
    return value;
  }

  private static String text(Map<String, byte[]> headers, String name) {
    return WireFormat.string(bytes(headers, name, -1));
  }

  private static Instant instant(Map<String, byte[]> headers, String name) {
    try {
      return Instant.parse(text(headers, name));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("header " + name + " is not an ISO-8601 instant", e);
    }
  }
}
