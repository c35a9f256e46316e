package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.ChorusException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

  static {
    // Test events live in this (patched) module; let Jackson reflect on them as a user's module would.
    JsonCodecTest.class.getModule().addOpens(JsonCodecTest.class.getPackageName(), ObjectMapper.class.getModule());
  }

  record Shipment(String id, Instant shippedAt, Optional<String> carrier, Optional<Instant> deliveredAt,
      long weightGrams) {}

  record Envelope(String id, Object data) {}

  static final class SelfReferencing {
    public SelfReferencing getSelf() {
      return this;
    }
  }

  private final JsonCodec codec = JsonCodec.shared();

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void roundTripsARecordWithInstantAndOptionalFields() {
    Shipment shipment = new Shipment("s1", Instant.parse("2026-03-04T05:06:07.123456789Z"), Optional.of("dhl"),
        Optional.empty(), 1_250);

    Shipment decoded = codec.decode(codec.encode(shipment), Shipment.class);

    assertThat(decoded).isEqualTo(shipment);
  }

  @Test
  void roundTripsPresentOptionalInstants() {
    Shipment shipment = new Shipment("s2", Instant.parse("2026-03-04T05:06:07Z"), Optional.empty(),
        Optional.of(Instant.parse("2026-03-05T00:00:00.5Z")), 0);

    assertThat(codec.decode(codec.encode(shipment), Shipment.class)).isEqualTo(shipment);
  }

  @Test
  void writesInstantsAsIsoTextAndOptionalsAsTheirValue() {
    Shipment shipment = new Shipment("s1", Instant.parse("2026-03-04T05:06:07Z"), Optional.of("dhl"),
        Optional.empty(), 7);

    assertThat(new String(codec.encode(shipment), StandardCharsets.UTF_8)).isEqualTo(
        "{\"id\":\"s1\",\"shippedAt\":\"2026-03-04T05:06:07Z\",\"carrier\":\"dhl\",\"deliveredAt\":null,"
            + "\"weightGrams\":7}");
  }

  @Test
  void decodesAnObjectWithAnExtraUnknownProperty() {
    byte[] json = utf8("{\"id\":\"s1\",\"shippedAt\":\"2026-03-04T05:06:07Z\",\"carrier\":\"ups\","
        + "\"addedInVersion2\":{\"nested\":[1,2,3]},\"weightGrams\":5}");

    assertThat(codec.decode(json, Shipment.class)).isEqualTo(
        new Shipment("s1", Instant.parse("2026-03-04T05:06:07Z"), Optional.of("ups"), Optional.empty(), 5));
  }

  @Test
  void rejectsInvalidJson() {
    assertThatThrownBy(() -> codec.decode(utf8("{not json}"), Shipment.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessageStartingWith("cannot decode 10 bytes as " + Shipment.class.getName() + ": ");
  }

  @Test
  void rejectsTruncatedBytes() {
    byte[] full = codec.encode(new Shipment("s1", Instant.parse("2026-03-04T05:06:07Z"), Optional.of("dhl"),
        Optional.empty(), 7));
    byte[] truncated = Arrays.copyOf(full, full.length - 6);

    assertThatThrownBy(() -> codec.decode(truncated, Shipment.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessageStartingWith("cannot decode " + truncated.length + " bytes as " + Shipment.class.getName());
  }

  @Test
  void rejectsEmptyBytes() {
    assertThatThrownBy(() -> codec.decode(new byte[0], Shipment.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessageStartingWith("cannot decode 0 bytes as " + Shipment.class.getName());
  }

  @Test
  void rejectsJsonNull() {
    assertThatThrownBy(() -> codec.decode(utf8("null"), Shipment.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessage("payload is JSON null, not a " + Shipment.class.getName());
    assertThatThrownBy(() -> codec.decode(utf8("  null  "), Object.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessage("payload is JSON null, not a java.lang.Object");
  }

  @Test
  void aFailureWhoseJacksonMessageQuotesMegabytesOfInputKeepsAShortMessageAndNoCause() {
    String quoted = "x".repeat(1024 * 1024);
    byte[] json = utf8("\"" + quoted + "\"");

    assertThatThrownBy(() -> codec.decode(json, Shipment.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessageStartingWith("cannot decode " + json.length + " bytes as " + Shipment.class.getName()
            + ": Cannot construct instance of")
        .hasMessageContaining("... (com.fasterxml.jackson.databind.exc.MismatchedInputException, message of ")
        .hasMessageEndingWith(" characters cut)")
        .hasNoCause()
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(JsonCodec.MAX_ERROR_MESSAGE + 200));
  }

  @Test
  void rejectsJsonOfAnotherShape() {
    assertThatThrownBy(() -> codec.decode(utf8("\"just a string\""), Shipment.class))
        .isExactlyInstanceOf(ChorusException.class);
    assertThatThrownBy(() -> codec.decode(utf8("[1,2]"), Shipment.class))
        .isExactlyInstanceOf(ChorusException.class);
    assertThatThrownBy(() -> codec.decode(utf8("{\"id\":\"s1\",\"shippedAt\":\"yesterday\"}"), Shipment.class))
        .isExactlyInstanceOf(ChorusException.class);
  }

  @Test
  void rejectsArraysNested10000DeepWithChorusExceptionNotStackOverflow() {
    byte[] deep = utf8("[".repeat(10_000) + "]".repeat(10_000));

    assertThatThrownBy(() -> codec.decode(deep, Object.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasRootCauseInstanceOf(StreamConstraintsException.class);
  }

  @Test
  void rejectsObjectsNested10000DeepInsideAnEventWithChorusExceptionNotStackOverflow() {
    byte[] deep = utf8("{\"id\":\"x\",\"data\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}");

    assertThatThrownBy(() -> codec.decode(deep, Envelope.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasRootCauseInstanceOf(StreamConstraintsException.class);
  }

  @Test
  void decodesNestingUpToTheDepthLimit() {
    int depth = JsonCodec.MAX_NESTING_DEPTH - 1;
    byte[] nested = utf8("{\"id\":\"x\",\"data\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}");

    Envelope decoded = codec.decode(nested, Envelope.class);

    assertThat(decoded.id()).isEqualTo("x");
    assertThat(decoded.data()).isInstanceOf(List.class);
  }

  @Test
  void rejectsAPayloadLargerThanTheLimitBeforeParsing() {
    byte[] tooLarge = new byte[JsonCodec.MAX_PAYLOAD_BYTES + 1];
    Arrays.fill(tooLarge, (byte) ' ');

    assertThatThrownBy(() -> codec.decode(tooLarge, Shipment.class))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessage("payload of 8388609 bytes exceeds the limit of 8388608");
  }

  @Test
  void decodesAPayloadOfExactlyTheLimit() {
    String head = "{\"id\":\"big\",\"data\":\"";
    String tail = "\"}";
    String padding = "x".repeat(JsonCodec.MAX_PAYLOAD_BYTES - head.length() - tail.length());
    byte[] json = utf8(head + padding + tail);
    assertThat(json).hasSize(JsonCodec.MAX_PAYLOAD_BYTES);

    Envelope decoded = codec.decode(json, Envelope.class);

    assertThat(decoded.id()).isEqualTo("big");
    assertThat((String) decoded.data()).hasSize(padding.length());
  }

  @Test
  void decodesUntypedDataAsPlainMapsAndListsNeverAsClassesNamedInTheJson() {
    byte[] json = utf8("{\"id\":\"x\",\"data\":{\"@class\":\"java.lang.ProcessBuilder\",\"command\":[\"sh\"]}}");

    Envelope decoded = codec.decode(json, Envelope.class);

    assertThat(decoded.data()).isEqualTo(Map.of("@class", "java.lang.ProcessBuilder", "command", List.of("sh")));
  }

  @Test
  void encodeWrapsSerializationFailuresInChorusException() {
    assertThatThrownBy(() -> codec.encode(new SelfReferencing()))
        .isExactlyInstanceOf(ChorusException.class)
        .hasMessageStartingWith("cannot encode " + SelfReferencing.class.getName() + " as JSON: ");
  }

  @Test
  void sharedReturnsOneCodec() {
    assertThat(JsonCodec.shared()).isSameAs(JsonCodec.shared());
  }

  @Test
  void rejectsTextAfterTheJsonValue() {
    byte[] bytes = "{\"id\":\"x\"} trailing".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> JsonCodec.shared().decode(bytes, java.util.Map.class))
        .isInstanceOf(dev.chorus.ChorusException.class)
        .hasMessageStartingWith("cannot decode 19 bytes as java.util.Map");
  }
}
