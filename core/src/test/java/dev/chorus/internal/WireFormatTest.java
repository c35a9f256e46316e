package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.chorus.EventMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  private static final Map<String, String> USER_HEADERS = new LinkedHashMap<>();

  static {
    USER_HEADERS.put("tenant", "acme");
    USER_HEADERS.put("trace-id", "00-4bf92f-01");
    USER_HEADERS.put("note", "naïve ✓");
  }

  private static final EventMetadata FULL = new EventMetadata("evt-1", "payments.payment-validated",
      "payment-service", Instant.parse("2026-03-04T05:06:07.123456789Z"), "p-1", "corr-9", "evt-0", USER_HEADERS);

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static Map<String, byte[]> validHeaders() {
    return new LinkedHashMap<>(WireFormat.headers(FULL));
  }

  private static void assertMalformed(Map<String, byte[]> headers, String message) {
    assertThatThrownBy(() -> WireFormat.read("p-1", headers))
        .isExactlyInstanceOf(WireFormat.MalformedRecordException.class)
        .hasMessage(message);
  }

  // --- writing -------------------------------------------------------------------------------

  @Test
  void headersWriteTheCloudEventsAttributesThenTheUserHeaders() {
    Map<String, byte[]> headers = WireFormat.headers(FULL);

    assertThat(headers.keySet()).hasSize(11).startsWith("ce_specversion", "ce_id", "ce_source", "ce_type",
        "ce_time", "content-type", "ce_correlationid", "ce_causationid");
    assertThat(headers.keySet()).containsOnlyOnce("tenant", "trace-id", "note");
    assertThat(text(headers.get("ce_specversion"))).isEqualTo("1.0");
    assertThat(text(headers.get("ce_id"))).isEqualTo("evt-1");
    assertThat(text(headers.get("ce_source"))).isEqualTo("payment-service");
    assertThat(text(headers.get("ce_type"))).isEqualTo("payments.payment-validated");
    assertThat(text(headers.get("ce_time"))).isEqualTo("2026-03-04T05:06:07.123456789Z");
    assertThat(text(headers.get("content-type"))).isEqualTo("application/json");
    assertThat(text(headers.get("ce_correlationid"))).isEqualTo("corr-9");
    assertThat(text(headers.get("ce_causationid"))).isEqualTo("evt-0");
    assertThat(headers.get("note")).isEqualTo(utf8("naïve ✓"));
  }

  @Test
  void headersLeaveOutAMissingCausationId() {
    EventMetadata first = new EventMetadata("evt-1", "t", "s", Instant.parse("2026-01-01T00:00:00Z"), null,
        "evt-1", null, Map.of());

    assertThat(WireFormat.headers(first)).doesNotContainKey("ce_causationid").hasSize(7);
  }

  // --- reading -------------------------------------------------------------------------------

  @Test
  void readRoundTripsTheMetadataExactly() {
    EventMetadata read = WireFormat.read("p-1", WireFormat.headers(FULL));

    assertThat(read).isEqualTo(FULL);
    assertThat(read.headers()).containsOnly(entry("tenant", "acme"), entry("trace-id", "00-4bf92f-01"),
        entry("note", "naïve ✓"));
  }

  @Test
  void readRoundTripsAChainsFirstEventWithoutKeyOrCausation() {
    EventMetadata first = new EventMetadata("evt-1", "OrderPlaced", "orders", Instant.parse("2026-01-01T00:00:00Z"),
        null, "evt-1", null, Map.of());

    assertThat(WireFormat.read(null, WireFormat.headers(first))).isEqualTo(first);
  }

  @Test
  void readDefaultsTheCorrelationIdToTheEventId() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_correlationid");

    assertThat(WireFormat.read("p-1", headers).correlationId()).isEqualTo("evt-1");
  }

  @Test
  void readAcceptsAMissingContentTypeAndJsonWithParameters() {
    Map<String, byte[]> withoutContentType = validHeaders();
    withoutContentType.remove("content-type");
    Map<String, byte[]> withCharset = validHeaders();
    withCharset.put("content-type", utf8("Application/JSON; charset=utf-8"));

    assertThat(WireFormat.read("p-1", withoutContentType)).isEqualTo(FULL);
    assertThat(WireFormat.read("p-1", withCharset)).isEqualTo(FULL);
  }

  @Test
  void readRejectsAMissingId() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_id");

    assertMalformed(headers, "required header ce_id is missing or empty");
  }

  @Test
  void readRejectsABlankId() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("ce_id", utf8("  "));

    assertMalformed(headers, "required header ce_id is missing or empty");
  }

  @Test
  void readRejectsANullId() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("ce_id", null);

    assertMalformed(headers, "required header ce_id is missing or empty");
  }

  @Test
  void readRejectsAMissingType() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_type");

    assertMalformed(headers, "required header ce_type is missing or empty");
  }

  @Test
  void readRejectsAMissingSource() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_source");

    assertMalformed(headers, "required header ce_source is missing or empty");
  }

  @Test
  void readRejectsABadTime() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("ce_time", utf8("yesterday"));

    assertMalformed(headers, "ce_time is not an ISO-8601 instant: 'yesterday'");
  }

  @Test
  void readRejectsAMissingTime() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_time");

    assertMalformed(headers, "required header ce_time is missing or empty");
  }

  @Test
  void readRejectsSpecVersion03() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("ce_specversion", utf8("0.3"));

    assertMalformed(headers, "ce_specversion must be 1.0: '0.3'");
  }

  @Test
  void readRejectsAMissingSpecVersion() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_specversion");

    assertMalformed(headers, "required header ce_specversion is missing or empty");
  }

  @Test
  void readRejectsAContentTypeOtherThanJson() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("content-type", utf8("application/avro"));

    assertMalformed(headers, "content-type must be application/json: 'application/avro'");
  }

  @Test
  void readRejectsMoreThan256Headers() {
    Map<String, byte[]> headers = validHeaders();
    for (int i = headers.size(); i < 257; i++) {
      headers.put("h" + i, utf8("v"));
    }

    assertMalformed(headers, "record has 257 headers, more than 256");
  }

  @Test
  void readAcceptsExactly256Headers() {
    Map<String, byte[]> headers = validHeaders();
    for (int i = headers.size(); i < 256; i++) {
      headers.put("h" + i, utf8("v"));
    }

    EventMetadata read = WireFormat.read("p-1", headers);

    assertThat(read.headers()).hasSize(256 - 8).containsEntry("h255", "v");
  }

  @Test
  void readRejectsAOneMebibyteHeaderValue() {
    Map<String, byte[]> headers = validHeaders();
    byte[] huge = new byte[1024 * 1024];
    Arrays.fill(huge, (byte) 'x');
    headers.put("blob", huge);
    long total = headers.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length).sum();

    assertMalformed(headers, "record headers have " + total + " bytes, more than 262144");
  }

  @Test
  void readRejectsAnOverlongAttribute() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("ce_id", utf8("i".repeat(513)));

    assertMalformed(headers, "header ce_id has 513 bytes, more than 512");
  }

  @Test
  void readIgnoresNullValuedUserHeaders() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("empty", null);

    assertThat(WireFormat.read("p-1", headers)).isEqualTo(FULL);
  }

  @Test
  void readDropsInboundDeadLetterHeadersFromTheUserHeaders() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("kafka_dlt-original-topic", utf8("forged"));
    headers.put("chorus-dlt-reason", utf8("HANDLER_FAILED"));

    assertThat(WireFormat.read("p-1", headers)).isEqualTo(FULL);
  }

  // --- lenient reading -----------------------------------------------------------------------

  @Test
  void readLenientReadsAValidRecordLikeRead() {
    assertThat(WireFormat.readLenient("p-1", WireFormat.headers(FULL))).isEqualTo(FULL);
  }

  @Test
  void readLenientTakesTheIdAsCorrelationIdWhenThereIsNoneLikeRead() {
    Map<String, byte[]> headers = validHeaders();
    headers.remove("ce_correlationid");
    headers.put("ce_time", utf8("yesterday"));

    assertThat(WireFormat.readLenient("p-1", headers).correlationId()).isEqualTo("evt-1");
    headers.put("ce_time", utf8("2026-01-01T00:00:00Z"));
    assertThat(WireFormat.read("p-1", headers).correlationId()).isEqualTo("evt-1");
  }

  @Test
  void readLenientLeavesOutWhatIsMissing() {
    EventMetadata read = WireFormat.readLenient("k", Map.of());

    assertThat(read).isEqualTo(new EventMetadata(null, null, null, null, "k", null, null, Map.of()));
  }

  @Test
  void readLenientLeavesOutWhatIsMalformedOrOversized() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("ce_time", utf8("yesterday"));
    headers.put("ce_specversion", utf8("0.3"));
    headers.put("ce_type", utf8("t".repeat(513)));
    headers.put("ce_id", null);

    EventMetadata read = WireFormat.readLenient("p-1", headers);

    assertThat(read).isEqualTo(new EventMetadata(null, null, "payment-service", null, "p-1", "corr-9", "evt-0",
        USER_HEADERS));
  }

  @Test
  void readLenientNeverThrowsOnHostileHeaders() {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    for (int i = 0; i < 1_000; i++) {
      headers.put("h" + i, utf8("v" + i));
    }
    headers.put("ce_time", new byte[] {(byte) 0xff, (byte) 0xfe});
    headers.put("ce_id", new byte[1024 * 1024]);

    EventMetadata read = WireFormat.readLenient(null, headers);

    assertThat(read.id()).isNull();
    assertThat(read.time()).isNull();
    assertThat(read.headers()).hasSize(256).containsEntry("h0", "v0").containsEntry("h255", "v255")
        .doesNotContainKey("h256");
  }

  @Test
  void readLenientDropsDeadLetterHeadersFromTheUserHeaders() {
    Map<String, byte[]> headers = validHeaders();
    headers.put("kafka_dlt-original-topic", utf8("orders"));
    headers.put("KAFKA_DLT-exception-message", utf8("boom"));
    headers.put("chorus-dlt-reason", utf8("HANDLER_FAILED"));
    headers.put("Chorus-DLT-Attempts", utf8("3"));

    assertThat(WireFormat.readLenient("p-1", headers).headers()).containsOnly(entry("tenant", "acme"),
        entry("trace-id", "00-4bf92f-01"), entry("note", "naïve ✓"));
  }

  // --- helpers -------------------------------------------------------------------------------

  @Test
  void typeReadsTheTypeAttributeOrNullWhenAbsentBlankOrImplausible() {
    assertThat(WireFormat.type(WireFormat.headers(FULL))).isEqualTo("payments.payment-validated");
    assertThat(WireFormat.type(Map.of())).isNull();
    assertThat(WireFormat.type(Map.of("ce_type", new byte[0]))).isNull();
    assertThat(WireFormat.type(Map.of("ce_type", utf8(" \t")))).isNull();
    assertThat(WireFormat.type(Map.of("ce_type", new byte[513]))).isNull();
  }

  @Test
  void reservedNamesAreTheCloudEventsChorusAndSpringDeadLetterOnesInAnyCase() {
    assertThat(WireFormat.isReserved("ce_id")).isTrue();
    assertThat(WireFormat.isReserved("CE_TYPE")).isTrue();
    assertThat(WireFormat.isReserved("Content-Type")).isTrue();
    assertThat(WireFormat.isReserved("kafka_dlt-original-offset")).isTrue();
    assertThat(WireFormat.isReserved("chorus-anything")).isTrue();
    assertThat(WireFormat.isReserved("tenant")).isFalse();
    assertThat(WireFormat.isReserved("ce-id")).isFalse();
    assertThat(WireFormat.isDeadLetterHeader("KAFKA_DLT-original-topic")).isTrue();
    assertThat(WireFormat.isDeadLetterHeader("chorus-dlt-reason")).isTrue();
    assertThat(WireFormat.isDeadLetterHeader("chorus-other")).isFalse();
    assertThat(WireFormat.isDeadLetterHeader("ce_id")).isFalse();
  }

  // --- what reading skips for the records Chorus writes -----------------------------------------

  @Test
  void readGivesEachRecordItsOwnTypeAndSourceWhateverWasReadBefore() {
    EventMetadata other = new EventMetadata("evt-2", "orders.order-placed", "order-service",
        Instant.parse("2026-01-01T00:00:00Z"), "o-1", "evt-2", null, Map.of());

    for (int i = 0; i < 3; i++) {
      assertThat(WireFormat.read("p-1", WireFormat.headers(FULL))).isEqualTo(FULL);
      assertThat(WireFormat.read("o-1", WireFormat.headers(other))).isEqualTo(other);
    }
    Map<String, byte[]> blankType = validHeaders();
    blankType.put("ce_type", utf8(" "));
    assertMalformed(blankType, "required header ce_type is missing or empty");
    Map<String, byte[]> emptySource = validHeaders();
    emptySource.put("ce_source", new byte[0]);
    assertMalformed(emptySource, "required header ce_source is missing or empty");
  }

  @Test
  void readTakesTheTimeFromItsBytesAsInstantParseWouldFromItsText() {
    for (String time : new String[] {"2026-03-04T05:06:07Z", "2026-03-04T05:06:07.1Z", "2024-02-29T23:59:59.123456789Z",
        "0001-01-01T00:00:00Z", "2026-03-04T05:06:07+01:00", "+12026-03-04T05:06:07Z", "2026-03-04T05:06:07.Z"}) {
      Map<String, byte[]> headers = validHeaders();
      headers.put("ce_time", utf8(time));

      assertThat(WireFormat.read("p-1", headers).time()).as(time).isEqualTo(Instant.parse(time));
    }
    for (String time : new String[] {"2026-02-30T05:06:07Z", "2026-03-04T05:06:07.1234567891Z",
        "２０２６-03-04T05:06:07Z", "2026-03-04T05:06:07\u00e9Z", "2026-03-04 05:06:07Z"}) {
      Map<String, byte[]> headers = validHeaders();
      headers.put("ce_time", utf8(time));

      assertMalformed(headers, "ce_time is not an ISO-8601 instant: '" + time + "'");
    }
  }

  @Test
  void readMakesNoCopyOfUserHeadersThatEventMetadataWouldCopyAgain() {
    EventMetadata read = WireFormat.read("p-1", WireFormat.headers(FULL));

    assertThat(new EventMetadata(read.id(), read.type(), read.source(), read.time(), read.key(), read.correlationId(),
        read.causationId(), read.headers()).headers()).isSameAs(read.headers());
    assertThat(WireFormat.read("p-1", WireFormat.headers(new EventMetadata("evt-1", "t", "s", Instant.EPOCH, null,
        "evt-1", null, Map.of()))).headers()).isSameAs(Map.of());
  }

  // --- the envelope kept with its metadata ---------------------------------------------------

  private static EventMetadata plain(String id, String type, String source, Instant time, String key,
      String correlationId, String causationId) {
    return new EventMetadata(id, type, source, time, key, correlationId, causationId, Map.of());
  }

  /** Metadata whose headers read back as exactly it: kept with them, and not decoded again. */
  private static final EventMetadata[] READ_BACK_AS_IS = {
      plain("evt-1", "OrderPlaced", "orders", Instant.parse("2026-01-01T00:00:00Z"), null, "evt-1", null),
      plain("evt-2", "payments.payment-validated", "payment-service", Instant.parse("2026-03-04T05:06:07.123456789Z"),
          "p-1", "corr-9", "evt-0"),
      plain("e", "t", "s", Instant.ofEpochSecond(-62_135_596_800L, 1), "k", "", null), // year 1, an empty correlation id
      plain("e", "t", "s", Instant.MAX, "k", "c", "c"),
      plain("e".repeat(512), "t", "s", Instant.EPOCH, "k", "e".repeat(512), "x".repeat(512)),
  };

  /** Metadata whose headers do not read back as exactly it, or cannot be written: decoded as before. */
  private static final EventMetadata[] READ_BACK_OTHERWISE = {
      FULL, // user headers
      plain("evt-1", "t", "zürich-service", Instant.EPOCH, "k", "evt-1", null), // not ASCII
      plain("evt-1", "t", "s", Instant.EPOCH, "k", "a\uD800b", null), // an unpaired surrogate
      plain("evt-1", "t", " ", Instant.EPOCH, "k", "evt-1", null), // a blank source: refused on reading
      plain("evt-1", "t", "s", Instant.EPOCH, "k", "evt-1", "é"),
      new EventMetadata("evt-1", "t", "s", Instant.EPOCH, "k", "evt-1", null, Map.of("traceparent",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")),
  };

  @Test
  void headersKeepTheMetadataTheyReadBackAsAndEncodeItOnlyWhenLookedAt() {
    for (EventMetadata metadata : READ_BACK_AS_IS) {
      Map<String, byte[]> headers = WireFormat.headers(metadata);

      assertThat(headers).isInstanceOf(EnvelopeHeaders.class);
      assertThat(((EnvelopeHeaders) headers).written()).isSameAs(metadata);
      // The same bytes as written at once, and read back the long way (a copy is not the engine's map).
      EnvelopeHeaders written = WireFormat.write(metadata);
      assertThat(written.written()).isNull();
      assertThat(headers.keySet()).containsExactlyElementsOf(written.keySet());
      written.forEach((name, value) -> assertThat(headers.get(name)).as(name).isEqualTo(value));
      assertThat(WireFormat.read(metadata.key(), new LinkedHashMap<>(headers))).isEqualTo(metadata);
      assertThat(WireFormat.read(metadata.key(), headers)).isSameAs(metadata);
      assertThat(WireFormat.type(headers)).isEqualTo(metadata.type());
    }
  }

  @Test
  void readOfTheEnginesOwnHeadersTakesTheRecordKey() {
    EventMetadata metadata = READ_BACK_AS_IS[1];

    EventMetadata read = WireFormat.read("other-key", WireFormat.headers(metadata));

    assertThat(read).isEqualTo(new EventMetadata(metadata.id(), metadata.type(), metadata.source(), metadata.time(),
        "other-key", metadata.correlationId(), metadata.causationId(), Map.of()));
  }

  @Test
  void headersThatDoNotReadBackAsTheirMetadataAreDecodedAsAnyRecordsWouldBe() {
    for (EventMetadata metadata : READ_BACK_OTHERWISE) {
      Map<String, byte[]> headers = WireFormat.headers(metadata);

      assertThat(((EnvelopeHeaders) headers).written()).as(metadata.toString()).isNull();
      Map<String, byte[]> copy = new LinkedHashMap<>(headers);
      if (metadata.source().isBlank()) {
        assertMalformed(headers, "required header ce_source is missing or empty");
        assertMalformed(copy, "required header ce_source is missing or empty");
      } else {
        assertThat(WireFormat.read(metadata.key(), headers)).isEqualTo(WireFormat.read(metadata.key(), copy));
      }
    }
    assertThat(WireFormat.read("k", WireFormat.headers(READ_BACK_OTHERWISE[2])).correlationId()).isEqualTo("a?b");
  }

  @Test
  void headersStillRefuseAnAttributeTooLongToRead() {
    EventMetadata tooLong = plain("e".repeat(513), "t", "s", Instant.EPOCH, "k", "c", null);

    assertThatThrownBy(() -> WireFormat.headers(tooLong)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ce_id can have at most 512 bytes: 513");
  }

  @Test
  void headersEncodedLazilyGiveEveryThreadTheSameBytes() throws Exception {
    EventMetadata metadata = READ_BACK_AS_IS[1];
    EnvelopeHeaders expected = WireFormat.write(metadata);
    for (int round = 0; round < 200; round++) {
      Map<String, byte[]> headers = WireFormat.headers(metadata);
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
      java.util.List<java.util.concurrent.CompletableFuture<Map<String, byte[]>>> seen = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        seen.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            start.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          Map<String, byte[]> copy = new LinkedHashMap<>();
          headers.forEach(copy::put);
          return copy;
        }, runnable -> new Thread(runnable).start()));
      }
      for (java.util.concurrent.CompletableFuture<Map<String, byte[]>> each : seen) {
        Map<String, byte[]> copy = each.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(copy.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, value) -> assertThat(copy.get(name)).as(name).isEqualTo(value));
      }
    }
  }
}
