package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.chorus.EventMetadata;
import dev.chorus.PublishOptions;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What a publisher is allowed to send, a consumer must be able to read: an envelope that
 * {@link WireFormat#read} rejects makes every subscriber dead-letter the event as UNDECODABLE
 * without calling its handler, while the publisher got a successful receipt. The publisher side
 * may instead refuse at once (PublishOptions or WireFormat.headers throwing
 * IllegalArgumentException).
 */
class PublishedEnvelopeLimitsTest {

  /** Builds the envelope the way {@code RealEventBus.send} does, then reads it as a consumer would. */
  private static void assertConsumersReadWhatPublishersAccept(Supplier<PublishOptions> options) {
    PublishOptions built;
    try {
      built = options.get();
    } catch (IllegalArgumentException rejectedAtOnce) {
      return;
    }
    String id = "0b4c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
    EventMetadata metadata = new EventMetadata(id, "orders.created", "order-service",
        Instant.parse("2026-01-01T00:00:00Z"), built.key(),
        built.correlationId() != null ? built.correlationId() : id, null, built.headers());
    Map<String, byte[]> headers;
    try {
      headers = WireFormat.headers(metadata);
    } catch (IllegalArgumentException rejectedAtOnce) {
      return;
    }
    assertThatCode(() -> WireFormat.read(built.key(), headers)).doesNotThrowAnyException();
  }

  @Test
  void fourHeadersOfTheDocumentedMaximumSizeCanBeRead() {
    assertConsumersReadWhatPublishersAccept(() -> {
      PublishOptions options = PublishOptions.key("o-1");
      for (int i = 0; i < 4; i++) {
        options = options.header("blob-" + i, "v".repeat(64 * 1024));
      }
      return options;
    });
  }

  @Test
  void twoHundredFiftyUserHeadersCanBeRead() {
    assertConsumersReadWhatPublishersAccept(() -> {
      PublishOptions options = PublishOptions.key("o-1");
      for (int i = 0; i < 250; i++) {
        options = options.header("h" + i, "v");
      }
      return options;
    });
  }

  @Test
  void aLongCorrelationIdCanBeRead() {
    assertConsumersReadWhatPublishersAccept(() -> PublishOptions.key("o-1").correlationId("c".repeat(600)));
  }
}
