package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.DeadLetter;
import dev.chorus.EventMetadata;
import dev.chorus.PublishException;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RecordTooLargeException;
import dev.chorus.spi.TransportRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DeadLetterHeadersTest {

  private static final EventMetadata METADATA = new EventMetadata("evt-1", "orders.created", "order-service",
      Instant.parse("2026-03-04T05:06:07.123456789Z"), "o-1", "corr-1", "evt-0",
      Map.of("tenant", "acme", "region", "eu"));
  private static final byte[] VALUE = utf8("{\"orderId\":\"o-1\"}");
  private static final int PARTITION = 0x01020304;
  private static final long OFFSET = 0x0102030405060708L;
  private static final Instant TIMESTAMP = Instant.ofEpochMilli(0x0000_0A0B_0C0D_0E0FL);
  private static final DeadLetter.Failure FAILURE = new DeadLetter.Failure(DeadLetter.Reason.HANDLER_FAILED,
      "java.io.UncheckedIOException", "disk full: naïve ✓",
      "java.io.UncheckedIOException: disk full\n\tat dev.chorus.Handler.handle(Handler.java:1)\n", 5,
      Instant.parse("2026-03-04T05:06:08.000000001Z"), Instant.parse("2026-03-04T05:07:00Z"));
  private static final DeadLetter DEAD_LETTER = new DeadLetter(VALUE, METADATA, "billing", "orders", PARTITION,
      OFFSET, FAILURE);
  private static final RuntimeException ERROR = new UncheckedIOException("disk full", new IOException("disk full"));

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static TransportRecord original(Map<String, byte[]> headers) {
    return new TransportRecord("orders", PARTITION, OFFSET, TIMESTAMP, "o-1", VALUE, headers);
  }

  private static TransportRecord original() {
    return original(WireFormat.headers(METADATA));
  }

  private static long countIgnoringCase(Map<String, byte[]> headers, String name) {
    return headers.keySet().stream().filter(key -> key.toLowerCase(Locale.ROOT).equals(name)).count();
  }

  @Test
  void toRecordKeepsTheOriginalKeyValueAndHeaders() {
    OutgoingRecord record = DeadLetterHeaders.toRecord("orders.billing.dlt", DEAD_LETTER, original(), ERROR);

    assertThat(record.topic()).isEqualTo("orders.billing.dlt");
    assertThat(record.key()).isEqualTo("o-1");
    assertThat(record.value()).isEqualTo(VALUE);
    WireFormat.headers(METADATA).forEach((name, value) -> assertThat(record.headers().get(name)).as(name)
        .isEqualTo(value));
  }

  @Test
  void toRecordWritesSpringCompatibleBinaryEncodings() {
    Map<String, byte[]> headers = DeadLetterHeaders.toRecord("orders.billing.dlt", DEAD_LETTER, original(), ERROR)
        .headers();

    assertThat(text(headers.get("kafka_dlt-original-topic"))).isEqualTo("orders");
    assertThat(headers.get("kafka_dlt-original-partition")).containsExactly(0x01, 0x02, 0x03, 0x04);
    assertThat(headers.get("kafka_dlt-original-offset")).containsExactly(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        0x08);
    assertThat(headers.get("kafka_dlt-original-timestamp")).containsExactly(0x00, 0x00, 0x0A, 0x0B, 0x0C, 0x0D,
        0x0E, 0x0F);
    assertThat(text(headers.get("kafka_dlt-original-timestamp-type"))).isEqualTo("CreateTime");
    assertThat(text(headers.get("kafka_dlt-original-consumer-group"))).isEqualTo("billing");
    assertThat(text(headers.get("kafka_dlt-exception-fqcn"))).isEqualTo("java.io.UncheckedIOException");
    assertThat(text(headers.get("kafka_dlt-exception-cause-fqcn"))).isEqualTo("java.io.IOException");
    assertThat(headers.get("kafka_dlt-exception-message")).isEqualTo(utf8("disk full: naïve ✓"));
    assertThat(text(headers.get("kafka_dlt-exception-stacktrace"))).isEqualTo(FAILURE.stackTrace());
    assertThat(text(headers.get("chorus-dlt-reason"))).isEqualTo("HANDLER_FAILED");
    assertThat(text(headers.get("chorus-dlt-attempts"))).isEqualTo("5");
    assertThat(text(headers.get("chorus-dlt-first-failure"))).isEqualTo("2026-03-04T05:06:08.000000001Z");
    assertThat(text(headers.get("chorus-dlt-last-failure"))).isEqualTo("2026-03-04T05:07:00Z");
  }

  @Test
  void toRecordEncodesANegativeLookingPartitionAndSmallOffsetBigEndian() {
    DeadLetter letter = new DeadLetter(VALUE, METADATA, "billing", "orders", 7, 1L, FAILURE);
    TransportRecord record = new TransportRecord("orders", 7, 1L, Instant.ofEpochMilli(-1L), "o-1", VALUE,
        WireFormat.headers(METADATA));

    Map<String, byte[]> headers = DeadLetterHeaders.toRecord("dlt", letter, record, null).headers();

    assertThat(headers.get("kafka_dlt-original-partition")).containsExactly(0, 0, 0, 7);
    assertThat(headers.get("kafka_dlt-original-offset")).containsExactly(0, 0, 0, 0, 0, 0, 0, 1);
    assertThat(headers.get("kafka_dlt-original-timestamp")).containsExactly(0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff);
  }

  @Test
  void toRecordWritesNoCauseHeaderWhenTheErrorHasNoCause() {
    Map<String, byte[]> withoutCause = DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(),
        new IllegalStateException("boom")).headers();
    Map<String, byte[]> withoutError = DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), null).headers();

    assertThat(withoutCause).doesNotContainKey("kafka_dlt-exception-cause-fqcn");
    assertThat(withoutError).doesNotContainKey("kafka_dlt-exception-cause-fqcn");
    assertThat(text(withoutError.get("kafka_dlt-exception-fqcn"))).isEqualTo("java.io.UncheckedIOException");
  }

  @Test
  void readRoundTripsADeadLetterExactly() {
    OutgoingRecord record = DeadLetterHeaders.toRecord("orders.billing.dlt", DEAD_LETTER, original(), ERROR);

    DeadLetter read = DeadLetterHeaders.read(record.key(), record.value(), record.headers());

    assertThat(read).isEqualTo(DEAD_LETTER);
    assertThat(read.metadata()).isEqualTo(METADATA);
    assertThat(read.failure()).isEqualTo(FAILURE);
    assertThat(read.partition()).isEqualTo(PARTITION);
    assertThat(read.offset()).isEqualTo(OFFSET);
    assertThat(DeadLetter.from(record.key(), record.value(), record.headers())).isEqualTo(DEAD_LETTER);
  }

  @Test
  void readRoundTripsAnUndecodableRecordWithoutEnvelope() {
    TransportRecord bare = new TransportRecord("orders", 0, 3L, TIMESTAMP, null, utf8("garbage"), Map.of());
    EventMetadata lenient = new EventMetadata(null, null, null, null, null, null, null, Map.of());
    DeadLetter letter = new DeadLetter(utf8("garbage"), lenient, "billing", "orders", 0, 3L,
        new DeadLetter.Failure(DeadLetter.Reason.UNDECODABLE, "dev.chorus.ChorusException", "", "", 0,
            Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z")));

    OutgoingRecord record = DeadLetterHeaders.toRecord("orders.billing.dlt", letter, bare, null);

    assertThat(DeadLetterHeaders.read(record.key(), record.value(), record.headers())).isEqualTo(letter);
  }

  @Test
  void forgedInboundDeadLetterHeadersAreReplacedNotDuplicated() {
    Map<String, byte[]> forged = new LinkedHashMap<>(WireFormat.headers(METADATA));
    forged.put("kafka_dlt-original-topic", utf8("forged-topic"));
    forged.put("KAFKA_DLT-ORIGINAL-OFFSET", new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
    forged.put("Kafka_Dlt-Original-Partition", new byte[] {9, 9, 9, 9});
    forged.put("kafka_dlt-exception-cause-fqcn", utf8("evil.Cause"));
    forged.put("chorus-dlt-reason", utf8("NON_RETRYABLE"));
    forged.put("CHORUS-DLT-ATTEMPTS", utf8("99"));
    forged.put("chorus-dlt-forged-extra", utf8("x"));

    OutgoingRecord record = DeadLetterHeaders.toRecord("orders.billing.dlt", DEAD_LETTER, original(forged),
        new IllegalStateException("no cause"));
    Map<String, byte[]> headers = record.headers();

    assertThat(text(headers.get("kafka_dlt-original-topic"))).isEqualTo("orders");
    assertThat(headers.get("kafka_dlt-original-offset")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(headers.get("kafka_dlt-original-partition")).containsExactly(1, 2, 3, 4);
    assertThat(text(headers.get("chorus-dlt-reason"))).isEqualTo("HANDLER_FAILED");
    assertThat(text(headers.get("chorus-dlt-attempts"))).isEqualTo("5");
    for (String name : new String[] {"kafka_dlt-original-topic", "kafka_dlt-original-offset",
        "kafka_dlt-original-partition", "chorus-dlt-reason", "chorus-dlt-attempts"}) {
      assertThat(countIgnoringCase(headers, name)).as(name).isEqualTo(1);
    }
    assertThat(headers).doesNotContainKeys("kafka_dlt-exception-cause-fqcn", "chorus-dlt-forged-extra",
        "KAFKA_DLT-ORIGINAL-OFFSET", "Kafka_Dlt-Original-Partition", "CHORUS-DLT-ATTEMPTS");
    assertThat(DeadLetterHeaders.read(record.key(), record.value(), headers)).isEqualTo(DEAD_LETTER);
  }

  @Test
  void aSmallerFitLeavesOutTheLargeOriginalHeadersAndKeepsTheEnvelopeAndValue() {
    Map<String, byte[]> headers = new LinkedHashMap<>(WireFormat.headers(METADATA));
    headers.put("big", new byte[1024 * 1024]);
    headers.put("x".repeat(600), utf8("long name"));
    headers.put("small", utf8("kept"));

    OutgoingRecord record = DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(headers), ERROR,
        DeadLetterHeaders.Fit.SMALL_HEADERS);

    assertThat(record.value()).isEqualTo(VALUE);
    assertThat(record.key()).isEqualTo("o-1");
    WireFormat.headers(METADATA).forEach((name, value) -> assertThat(record.headers().get(name)).as(name)
        .isEqualTo(value));
    assertThat(record.headers()).containsKey("small").doesNotContainKeys("big", "x".repeat(600));
    assertThat(text(record.headers().get("chorus-dlt-left-out")))
        .isEqualTo("2 original header(s) of " + (3 + 1024 * 1024 + 600 + 9) + " bytes: the whole dead letter was too "
            + "large for dlt");
    DeadLetter read = DeadLetterHeaders.read(record.key(), record.value(), record.headers());
    assertThat(read.failure()).isEqualTo(FAILURE);
    assertThat(read.payload()).isEqualTo(VALUE);
    assertThat(read.metadata().headers()).containsEntry("small", "kept").doesNotContainKey("big");
  }

  @Test
  void theSmallestFitLeavesOutTheValueToo() {
    OutgoingRecord record = DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR,
        DeadLetterHeaders.Fit.NO_VALUE);

    assertThat(record.value()).isEmpty();
    assertThat(text(record.headers().get("chorus-dlt-left-out")))
        .isEqualTo("the original value of " + VALUE.length + " bytes: the whole dead letter was too large for dlt");
    DeadLetter read = DeadLetterHeaders.read(record.key(), record.value(), record.headers());
    assertThat(read.metadata()).isEqualTo(METADATA);
    assertThat(read.failure()).isEqualTo(FAILURE);
    assertThat(read.offset()).isEqualTo(OFFSET);
    assertThat(read.payload()).isEmpty();
  }

  @Test
  void aWholeDeadLetterSaysNothingWasLeftOut() {
    assertThat(DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers())
        .doesNotContainKey("chorus-dlt-left-out");
  }

  @Test
  void onlyASizeRefusalLeadsToASmallerFitAndOnlyOneThatLeavesSomethingOut() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("too large", "dlt", null);
    Map<String, byte[]> withBigHeader = new LinkedHashMap<>(WireFormat.headers(METADATA));
    withBigHeader.put("big", new byte[513]);
    Map<String, byte[]> manyHeaders = new LinkedHashMap<>();
    for (int i = 0; i <= WireFormat.MAX_HEADERS; i++) {
      manyHeaders.put("h" + i, new byte[1]);
    }
    TransportRecord empty = new TransportRecord("orders", 0, 0L, TIMESTAMP, null, new byte[0], Map.of());

    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.WHOLE, original(withBigHeader), tooLarge))
        .isEqualTo(DeadLetterHeaders.Fit.SMALL_HEADERS);
    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.WHOLE, original(manyHeaders), tooLarge))
        .isEqualTo(DeadLetterHeaders.Fit.SMALL_HEADERS);
    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.WHOLE, original(), tooLarge))
        .as("nothing to leave out but the value").isEqualTo(DeadLetterHeaders.Fit.NO_VALUE);
    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.SMALL_HEADERS, original(withBigHeader),
        new CompletionException(tooLarge))).isEqualTo(DeadLetterHeaders.Fit.NO_VALUE);
    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.NO_VALUE, original(), tooLarge)).isNull();
    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.WHOLE, empty, tooLarge)).isNull();
    assertThat(DeadLetterHeaders.smaller(DeadLetterHeaders.Fit.WHOLE, original(withBigHeader),
        new PublishException("broker down", null, "dlt", null))).as("any other failure is retried as it is").isNull();
  }

  @Test
  void outgoingHeadersCannotBeModified() {
    OutgoingRecord record = DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR);

    assertThatThrownBy(() -> record.headers().put("chorus-dlt-reason", utf8("X")))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void readRejectsARecordWithoutReason() {
    Map<String, byte[]> headers = new LinkedHashMap<>(
        DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers());
    headers.remove("chorus-dlt-reason");

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, headers))
        .withMessageEndingWith("not a Chorus dead-letter record: header chorus-dlt-reason is missing");
    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetter.from("o-1", VALUE, headers))
        .withMessageEndingWith("not a Chorus dead-letter record: header chorus-dlt-reason is missing");
  }

  @Test
  void readRejectsAnOrdinaryEventRecord() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, WireFormat.headers(METADATA)))
        .withMessageEndingWith("not a Chorus dead-letter record: header chorus-dlt-reason is missing");
  }

  @Test
  void readRejectsAPartitionThatIsNotFourBytes() {
    Map<String, byte[]> headers = new LinkedHashMap<>(
        DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers());
    headers.put("kafka_dlt-original-partition", new byte[8]);

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, headers))
        .withMessage("not a Chorus dead-letter record: header kafka_dlt-original-partition has 8 bytes, expected 4");
  }

  @Test
  void readRejectsAnOffsetThatIsNotEightBytes() {
    Map<String, byte[]> headers = new LinkedHashMap<>(
        DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers());
    headers.put("kafka_dlt-original-offset", new byte[4]);

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, headers))
        .withMessage("not a Chorus dead-letter record: header kafka_dlt-original-offset has 4 bytes, expected 8");
  }

  @Test
  void readRejectsAnUnknownReason() {
    Map<String, byte[]> headers = new LinkedHashMap<>(
        DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers());
    headers.put("chorus-dlt-reason", utf8("GREMLINS"));

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, headers))
        .withMessageStartingWith("header chorus-dlt-reason is not a dead-letter reason: ");
  }

  @Test
  void readRejectsNonNumericAttempts() {
    Map<String, byte[]> headers = new LinkedHashMap<>(
        DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers());
    headers.put("chorus-dlt-attempts", utf8("five"));

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, headers))
        .withMessage("header chorus-dlt-attempts is not a number");
  }

  @Test
  void readRejectsAMalformedFailureTime() {
    Map<String, byte[]> headers = new LinkedHashMap<>(
        DeadLetterHeaders.toRecord("dlt", DEAD_LETTER, original(), ERROR).headers());
    headers.put("chorus-dlt-last-failure", utf8("later"));

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterHeaders.read("o-1", VALUE, headers))
        .withMessage("header chorus-dlt-last-failure is not an ISO-8601 instant");
  }
}
