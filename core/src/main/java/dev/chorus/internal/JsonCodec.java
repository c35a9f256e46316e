package dev.chorus.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.chorus.ChorusException;

/**
 * Encodes events as JSON and decodes untrusted bytes back into one known class. There is no
 * default typing and no type id in the payload: the class always comes from the type registry.
 * Reading is bounded: document size, nesting depth, string and number lengths.
 */
public final class JsonCodec {

  /** Largest payload decoded, in bytes; larger ones are undecodable. */
  public static final int MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;
  static final int MAX_NESTING_DEPTH = 256;
  /** Longest Jackson message kept in a decode failure; Jackson's own are far shorter unless they quote the input. */
  static final int MAX_ERROR_MESSAGE = 2_000;

  private static final JsonCodec SHARED = new JsonCodec();

  private final ObjectMapper mapper;
  /** A reader per event class: {@code mapper.readValue(bytes, type)} resolves the type and copies the config per call. */
  private final ClassValue<ObjectReader> readers = new ClassValue<>() {
    @Override
    protected ObjectReader computeValue(Class<?> type) {
      return mapper.readerFor(type);
    }
  };

  private JsonCodec() {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxDocumentLength(MAX_PAYLOAD_BYTES)
            .maxStringLength(MAX_PAYLOAD_BYTES)
            .maxNumberLength(1000)
            .maxNameLength(10_000)
            .build())
        .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
        .build();
    this.mapper = JsonMapper.builder(factory)
        .addModule(new JavaTimeModule())
        .addModule(new Jdk8Module())
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .build();
  }

  /**
   * The codec; it is immutable and thread-safe.
   *
   * @return the shared codec
   */
  public static JsonCodec shared() {
    return SHARED;
  }

  /**
   * Encodes an event.
   *
   * @param event the event
   * @return its JSON bytes
   * @throws ChorusException if Jackson cannot serialize it
   */
  public byte[] encode(Object event) {
    try {
      return mapper.writeValueAsBytes(event);
    } catch (Exception e) {
      throw new ChorusException("cannot encode " + event.getClass().getName() + " as JSON: " + e.getMessage(), e);
    }
  }

  /** The configured mapper, for schema introspection and document writing inside the engine. */
  ObjectMapper mapper() {
    return mapper;
  }

  /**
   * Decodes untrusted bytes into one class.
   *
   * @param bytes the JSON bytes
   * @param type the class to decode into
   * @param <E> the event type
   * @return the event, never null
   * @throws ChorusException if the bytes are too large, not JSON, or not a {@code type}; its
   *     message is bounded, however much of the input the parser's message quotes
   */
  public <E> E decode(byte[] bytes, Class<E> type) {
    if (bytes.length > MAX_PAYLOAD_BYTES) {
      throw new ChorusException("payload of " + bytes.length + " bytes exceeds the limit of " + MAX_PAYLOAD_BYTES);
    }
    E value;
    try {
      value = type.cast(readers.get(type).readValue(bytes));
    } catch (Exception | StackOverflowError e) {
      String prefix = "cannot decode " + bytes.length + " bytes as " + type.getName() + ": ";
      String reason = String.valueOf(e.getMessage());
      if (reason.length() <= MAX_ERROR_MESSAGE) {
        throw new ChorusException(prefix + reason, e);
      }
      // Some Jackson messages quote the offending input whole (a JSON string where an object was
      // expected): megabytes of hostile text that the exception would carry into every log line
      // and dead letter. Keep the start of the message, and not that exception.
      throw new ChorusException(prefix + reason.substring(0, MAX_ERROR_MESSAGE) + "... (" + e.getClass().getName()
          + ", message of " + reason.length() + " characters cut)");
    }
    if (value == null) {
      throw new ChorusException("payload is JSON null, not a " + type.getName());
    }
    return value;
  }
}
