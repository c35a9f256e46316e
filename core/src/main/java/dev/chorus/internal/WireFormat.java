package dev.chorus.internal;

import dev.chorus.EventMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The CloudEvents 1.0 binary-mode envelope, the same on every transport: {@code ce_*}
 * attributes and {@code content-type} as headers, user headers as plain headers, the event as
 * the value. Reading treats every header as hostile: sizes and counts are bounded, and
 * {@code kafka_dlt-*} / {@code chorus-dlt-*} headers arriving on a normal topic are dropped.
 */
final class WireFormat {

  static final String SPEC_VERSION = "ce_specversion";
  static final String ID = "ce_id";
  static final String SOURCE = "ce_source";
  static final String TYPE = "ce_type";
  static final String TIME = "ce_time";
  static final String CONTENT_TYPE = "content-type";
  static final String CORRELATION_ID = "ce_correlationid";
  static final String CAUSATION_ID = "ce_causationid";
  static final String TRACEPARENT = "ce_traceparent";
  static final String TRACESTATE = "ce_tracestate";
  static final String JSON = "application/json";
  private static final byte[] JSON_BYTES = utf8(JSON);
  private static final byte[] SPEC_VERSION_1_0 = utf8("1.0");

  static final int MAX_HEADERS = 256;
  static final int MAX_HEADER_BYTES = 256 * 1024;
  static final int MAX_ATTRIBUTE_LENGTH = 512;

  private WireFormat() {}

  /**
   * The headers of an outgoing event.
   *
   * @throws IllegalArgumentException if the envelope exceeds what {@link #read} accepts, so that
   *     nothing is published that every consumer would reject
   */
  static Map<String, byte[]> headers(EventMetadata metadata) {
    // Encoded when first looked at: on the in-memory transport, typically never.
    return readsBackAsIs(metadata) ? EnvelopeHeaders.of(metadata) : write(metadata);
  }

  /**
   * The headers of an outgoing event, encoded now; as {@link #headers}, but without the
   * metadata kept with them (for {@link EnvelopeHeaders} that encode their own late).
   */
  static EnvelopeHeaders write(EventMetadata metadata) {
    Map<String, String> user = metadata.headers();
    EnvelopeHeaders.Builder headers = new EnvelopeHeaders.Builder(8 + user.size());
    headers.put(SPEC_VERSION, SPEC_VERSION_1_0.clone());
    String id = metadata.id();
    byte[] idBytes = attribute(ID, id);
    headers.put(ID, idBytes);
    headers.put(SOURCE, attribute(SOURCE, metadata.source()));
    headers.put(TYPE, attribute(TYPE, metadata.type()));
    headers.put(TIME, IsoInstant.formatAscii(metadata.time())); // at most 30-odd bytes
    headers.put(CONTENT_TYPE, JSON_BYTES.clone());
    String correlationId = metadata.correlationId();
    // A chain's first event is its own correlation: the same text, encoded once.
    headers.put(CORRELATION_ID, correlationId != null && correlationId.equals(id) ? idBytes.clone()
        : attribute(CORRELATION_ID, correlationId));
    if (metadata.causationId() != null) {
      headers.put(CAUSATION_ID, attribute(CAUSATION_ID, metadata.causationId()));
    }
    for (Map.Entry<String, String> header : user.entrySet()) {
      String name = header.getKey();
      if (name.equals(EventMetadata.TRACEPARENT)) {
        headers.put(TRACEPARENT, attribute(TRACEPARENT, header.getValue()));
      } else if (name.equals(EventMetadata.TRACESTATE)) {
        headers.put(TRACESTATE, attribute(TRACESTATE, header.getValue()));
      } else {
        headers.put(name, utf8(header.getValue()));
      }
    }
    EnvelopeHeaders built = headers.build();
    if (built.size() > MAX_HEADERS) {
      throw new IllegalArgumentException("an event can carry at most " + (MAX_HEADERS - 8) + " user headers: "
          + user.size());
    }
    long[] total = {0};
    built.forEach((name, value) -> total[0] += name.length() + value.length);
    if (total[0] > MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("an event's headers can have at most " + MAX_HEADER_BYTES
          + " bytes in all (names and values, with the ce_* attributes): " + total[0]);
    }
    return built;
  }

  /**
   * Whether {@link #read} gives back exactly this metadata from the headers {@link #write}
   * writes for it (the key aside, which travels as the record key), and writing them cannot
   * fail: no user headers (read drops reserved names and normalises the trace context), every
   * attribute ASCII (a string with an unpaired surrogate does not survive UTF-8) and within
   * {@value #MAX_ATTRIBUTE_LENGTH} bytes, the required ones not blank (read refuses those).
   */
  private static boolean readsBackAsIs(EventMetadata metadata) {
    String id = metadata.id();
    String correlationId = metadata.correlationId();
    return metadata.headers().isEmpty() && required(id) && typeAndSourceAscii(metadata.type(), metadata.source())
        && metadata.time() != null
        && (correlationId == id || correlationId != null && ascii(correlationId))
        && (metadata.causationId() == null || ascii(metadata.causationId()));
  }

  private static boolean required(String value) {
    return value != null && ascii(value) && !value.isBlank();
  }

  /**
   * The last type name and source found ASCII, by identity: a bus publishes the same few
   * strings over and over. Shared without synchronization: a thread that sees an older one only
   * checks again.
   */
  private static String lastAsciiType;
  private static String lastAsciiSource;

  private static boolean typeAndSourceAscii(String type, String source) {
    if (type == lastAsciiType && source == lastAsciiSource) {
      return true;
    }
    if (required(type) && required(source)) {
      lastAsciiType = type;
      lastAsciiSource = source;
      return true;
    }
    return false;
  }

  /** ASCII and short enough for an attribute (one byte a character). */
  private static boolean ascii(String value) {
    if (value.length() > MAX_ATTRIBUTE_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static byte[] attribute(String name, String value) {
    byte[] bytes = utf8(value);
    if (bytes.length > MAX_ATTRIBUTE_LENGTH) {
      throw new IllegalArgumentException(name + " can have at most " + MAX_ATTRIBUTE_LENGTH + " bytes: "
          + bytes.length);
    }
    return bytes;
  }

  /**
   * The {@code ce_type} of a record, or null if absent, blank or implausible: like any other
   * required attribute, an empty one counts as missing, so the record is malformed, not of
   * some other type.
   */
  static String type(Map<String, byte[]> headers) {
    if (headers instanceof EnvelopeHeaders envelope && envelope.written() != null) {
      return envelope.written().type();
    }
    byte[] type = headers.get(TYPE);
    if (type == null || type.length > MAX_ATTRIBUTE_LENGTH) {
      return null;
    }
    Decoded last = lastType;
    if (last != null && Arrays.equals(type, last.bytes)) {
      return last.text;
    }
    String name = string(type);
    if (name.isBlank()) {
      return null;
    }
    lastType = new Decoded(type.clone(), name);
    return name;
  }

  /**
   * Reads and validates the envelope of an inbound record.
   *
   * @throws MalformedRecordException if a required attribute is missing or malformed, or the
   *     headers are too many or too large
   */
  static EventMetadata read(String key, Map<String, byte[]> headers) {
    if (headers instanceof EnvelopeHeaders envelope && envelope.written() != null) {
      EventMetadata written = envelope.written();
      return Objects.equals(key, written.key()) ? written : new EventMetadata(written.id(), written.type(),
          written.source(), written.time(), key, written.correlationId(), written.causationId(), written.headers());
    }
    if (headers.size() > MAX_HEADERS) {
      throw new MalformedRecordException("record has " + headers.size() + " headers, more than " + MAX_HEADERS);
    }
    // One pass over the headers (forEach, not entrySet(): a read-only view wraps every entry it
    // iterates) instead of a lookup per attribute, each comparing names that differ.
    Envelope envelope = new Envelope();
    headers.forEach(envelope);
    if (envelope.total > MAX_HEADER_BYTES) {
      throw new MalformedRecordException("record headers have " + envelope.total + " bytes, more than "
          + MAX_HEADER_BYTES);
    }
    // The values Chorus writes are compared as bytes; anything else is decoded and judged as text.
    if (!Arrays.equals(envelope.specVersion, SPEC_VERSION_1_0)) {
      String specVersion = required(SPEC_VERSION, envelope.specVersion);
      if (!specVersion.equals("1.0")) {
        throw new MalformedRecordException(SPEC_VERSION + " must be 1.0: '" + specVersion + "'");
      }
    }
    if (envelope.contentType != null && !Arrays.equals(envelope.contentType, JSON_BYTES)) {
      String contentType = optional(CONTENT_TYPE, envelope.contentType);
      if (!contentType.startsWith(JSON) && !contentType.toLowerCase(Locale.ROOT).startsWith(JSON)) {
        throw new MalformedRecordException(CONTENT_TYPE + " must be " + JSON + ": '" + contentType + "'");
      }
    }
    String id = required(ID, envelope.id);
    // The time as Chorus writes it is parsed from its bytes; anything else is decoded and parsed as text.
    byte[] rawTime = envelope.time;
    Instant instant = rawTime == null || rawTime.length > MAX_ATTRIBUTE_LENGTH ? null : IsoInstant.parseAscii(rawTime);
    if (instant == null) {
      String time = required(TIME, rawTime);
      try {
        instant = IsoInstant.parse(time);
      } catch (DateTimeParseException e) {
        throw new MalformedRecordException(TIME + " is not an ISO-8601 instant: '" + time + "'");
      }
    }
    // A chain's first event carries its own id as its correlation id: decoded once.
    String correlationId = envelope.correlationId == null || Arrays.equals(envelope.correlationId, envelope.id) ? id
        : optional(CORRELATION_ID, envelope.correlationId);
    Decoded type = lastType;
    if (type == null || !Arrays.equals(envelope.type, type.bytes)) {
      String text = required(TYPE, envelope.type);
      type = new Decoded(envelope.type.clone(), text);
      lastType = type;
    }
    Decoded source = lastSource;
    if (source == null || !Arrays.equals(envelope.source, source.bytes)) {
      String text = required(SOURCE, envelope.source);
      source = new Decoded(envelope.source.clone(), text);
      lastSource = source;
    }
    return new EventMetadata(id, type.text, source.text, instant, key, correlationId,
        optional(CAUSATION_ID, envelope.causationId), envelope.userHeaders());
  }

  /**
   * The headers of one record sorted out in one pass: the attributes' values by name, the
   * candidates for the user headers (not decoded before the record passed the size checks),
   * and the total size. A null value counts as absent, as a map lookup returning null would.
   */
  private static final class Envelope implements java.util.function.BiConsumer<String, byte[]> {
    long total;
    byte[] specVersion;
    byte[] id;
    byte[] source;
    byte[] type;
    byte[] time;
    byte[] contentType;
    byte[] correlationId;
    byte[] causationId;
    byte[] ceTraceparent;
    byte[] ceTracestate;
    byte[] traceparent;
    byte[] tracestate;
    private String[] userNames;
    private byte[][] userValues;
    private int users;

    @Override
    public void accept(String name, byte[] value) {
      total += name.length() + (value == null ? 0 : value.length);
      if (value == null) {
        return;
      }
      // By length first: most names are then told apart without comparing their characters.
      switch (name.length()) {
        case 5 -> {
          if (name.equals(ID)) {
            id = value;
            return;
          }
        }
        case 7 -> {
          if (name.equals(TYPE)) {
            type = value;
            return;
          } else if (name.equals(TIME)) {
            time = value;
            return;
          }
        }
        case 9 -> {
          if (name.equals(SOURCE)) {
            source = value;
            return;
          }
        }
        case 10 -> {
          if (name.equals(EventMetadata.TRACESTATE)) {
            tracestate = value;
            return;
          }
        }
        case 11 -> {
          if (name.equals(EventMetadata.TRACEPARENT)) {
            traceparent = value;
            return;
          }
        }
        case 12 -> {
          if (name.equals(CONTENT_TYPE)) {
            contentType = value;
            return;
          }
        }
        case 13 -> {
          if (name.equals(TRACESTATE)) {
            ceTracestate = value;
            return;
          }
        }
        case 14 -> {
          if (name.equals(SPEC_VERSION)) {
            specVersion = value;
            return;
          } else if (name.equals(CAUSATION_ID)) {
            causationId = value;
            return;
          } else if (name.equals(TRACEPARENT)) {
            ceTraceparent = value;
            return;
          }
        }
        case 16 -> {
          if (name.equals(CORRELATION_ID)) {
            correlationId = value;
            return;
          }
        }
        default -> {
          // not an attribute: a user header, or a name reserved below
        }
      }
      if (users < MAX_HEADERS && !isReserved(name) && !isTraceHeader(name)) {
        if (userNames == null) {
          userNames = new String[4];
          userValues = new byte[4][];
        } else if (users == userNames.length) {
          userNames = Arrays.copyOf(userNames, users * 2);
          userValues = Arrays.copyOf(userValues, users * 2);
        }
        userNames[users] = name;
        userValues[users++] = value;
      }
    }

    /** As {@link WireFormat#userHeaders}, from what this pass collected. */
    Map<String, String> userHeaders() {
      String validTraceparent = valid(TraceContext::isValidTraceparent, ceTraceparent, traceparent);
      String validTracestate = validTraceparent == null ? null
          : valid(TraceContext::isValidTracestate, ceTracestate, tracestate);
      int size = users + (validTraceparent != null ? 1 : 0) + (validTracestate != null ? 1 : 0);
      if (size == 0) {
        return Map.of();
      }
      @SuppressWarnings({"unchecked", "rawtypes"})
      Map.Entry<String, String>[] entries = new Map.Entry[size];
      for (int i = 0; i < users; i++) {
        entries[i] = Map.entry(userNames[i], string(userValues[i]));
      }
      if (validTraceparent != null) {
        entries[users] = Map.entry(EventMetadata.TRACEPARENT, validTraceparent);
        if (validTracestate != null) {
          entries[users + 1] = Map.entry(EventMetadata.TRACESTATE, validTracestate);
        }
      }
      return Map.ofEntries(entries);
    }

    private static String valid(java.util.function.Predicate<String> valid, byte[] first, byte[] second) {
      String value = bounded(first);
      if (valid.test(value)) {
        return value;
      }
      value = bounded(second);
      return valid.test(value) ? value : null;
    }
  }

  /**
   * The last {@code ce_type} and {@code ce_source} read, valid ones only, so that the same bytes
   * record after record are not decoded again. Shared by every thread without synchronization:
   * a {@link Decoded} is immutable, and a thread that sees an older one only decodes again.
   */
  private static Decoded lastType;
  private static Decoded lastSource;

  /** Valid attribute bytes and their text. */
  private static final class Decoded {
    final byte[] bytes;
    final String text;

    Decoded(byte[] bytes, String text) {
      this.bytes = bytes;
      this.text = text;
    }
  }

  /**
   * Reads whatever envelope a record has, leaving out what is missing or malformed. As in
   * {@link #read}, a missing correlation id is the event's own id, so that a dead letter read
   * back from its record has the metadata its listeners were given.
   */
  static EventMetadata readLenient(String key, Map<String, byte[]> headers) {
    Instant time = null;
    String rawTime = bounded(headers.get(TIME));
    if (rawTime != null) {
      try {
        time = IsoInstant.parse(rawTime);
      } catch (DateTimeParseException e) {
        time = null;
      }
    }
    String id = bounded(headers.get(ID));
    String correlationId = bounded(headers.get(CORRELATION_ID));
    return new EventMetadata(id, bounded(headers.get(TYPE)), bounded(headers.get(SOURCE)), time, key,
        correlationId != null ? correlationId : id, bounded(headers.get(CAUSATION_ID)), userHeaders(headers));
  }

  /** Whether a header name belongs to Chorus or Spring's dead-letter format rather than the user. */
  static boolean isReserved(String name) {
    if (!name.isEmpty()) {
      char first = name.charAt(0);
      if (first < 128 && first != 'c' && first != 'C' && first != 'k' && first != 'K') {
        return false; // the common case, without lower-casing every header name of every record
      }
      if (name.startsWith("ce_") || name.equals(CONTENT_TYPE)) {
        return true; // the envelope's own headers, as Chorus writes them
      }
    }
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.startsWith("ce_") || lower.startsWith("kafka_dlt-") || lower.startsWith("chorus-")
        || lower.equals(CONTENT_TYPE);
  }

  static boolean isDeadLetterHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.startsWith("kafka_dlt-") || lower.startsWith("chorus-dlt-");
  }

  /**
   * The user headers and the trace context, as the immutable map that {@link EventMetadata} keeps
   * without copying it again; most records have none, and get {@link Map#of()}.
   */
  private static Map<String, String> userHeaders(Map<String, byte[]> headers) {
    List<Map.Entry<String, String>> user = new ArrayList<>(0);
    headers.forEach((name, value) -> {
      if (user.size() < MAX_HEADERS && value != null && !isReserved(name) && !isTraceHeader(name)) {
        user.add(Map.entry(name, string(value)));
      }
    });
    // The trace context: the CloudEvents extension, else the plain W3C header that other
    // Kafka instrumentation writes; a malformed value is dropped, never an error.
    String traceparent = firstValid(headers, TraceContext::isValidTraceparent, TRACEPARENT, EventMetadata.TRACEPARENT);
    if (traceparent != null) {
      user.add(Map.entry(EventMetadata.TRACEPARENT, traceparent));
      String tracestate = firstValid(headers, TraceContext::isValidTracestate, TRACESTATE, EventMetadata.TRACESTATE);
      if (tracestate != null) {
        user.add(Map.entry(EventMetadata.TRACESTATE, tracestate));
      }
    }
    // The names are distinct: the record's header names are, and those of the trace context
    // are not taken from the record's own headers above.
    if (user.isEmpty()) {
      return Map.of();
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    Map.Entry<String, String>[] entries = user.toArray(new Map.Entry[0]);
    return Map.ofEntries(entries);
  }

  private static boolean isTraceHeader(String name) {
    return name.equalsIgnoreCase(EventMetadata.TRACEPARENT) || name.equalsIgnoreCase(EventMetadata.TRACESTATE);
  }

  private static String firstValid(Map<String, byte[]> headers, java.util.function.Predicate<String> valid,
      String... names) {
    for (String name : names) {
      String value = bounded(headers.get(name));
      if (valid.test(value)) {
        return value;
      }
    }
    return null;
  }

  private static String required(String name, byte[] bytes) {
    String value = optional(name, bytes);
    if (value == null || value.isBlank()) {
      throw new MalformedRecordException("required header " + name + " is missing or empty");
    }
    return value;
  }

  private static String optional(String name, byte[] value) {
    if (value == null) {
      return null;
    }
    if (value.length > MAX_ATTRIBUTE_LENGTH) {
      throw new MalformedRecordException("header " + name + " has " + value.length + " bytes, more than "
          + MAX_ATTRIBUTE_LENGTH);
    }
    return string(value);
  }

  private static String bounded(byte[] value) {
    return value == null || value.length > MAX_ATTRIBUTE_LENGTH ? null : string(value);
  }

  static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  static String string(byte[] value) {
    return new String(value, StandardCharsets.UTF_8);
  }

  /** A record whose envelope is missing or malformed. */
  static final class MalformedRecordException extends RuntimeException {
    MalformedRecordException(String message) {
      super(message, null, false, false);
    }
  }
}
