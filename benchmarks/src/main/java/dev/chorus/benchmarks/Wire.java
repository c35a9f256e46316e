package dev.chorus.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** What the hand-written and Spring contenders do by hand: Jackson and the CloudEvents headers Chorus writes. */
final class Wire {

  static final ObjectMapper MAPPER = JsonMapper.builder().build();
  static final String TYPE = "bench.order-placed";
  static final String SOURCE = "bench";
  private static final byte[] SPEC = bytes("1.0");
  private static final byte[] TYPE_BYTES = bytes(TYPE);
  private static final byte[] SOURCE_BYTES = bytes(SOURCE);
  private static final byte[] JSON = bytes("application/json");

  private Wire() {}

  /** The producer settings every contender uses. */
  static Map<String, Object> producerSettings(String bootstrapServers) {
    Map<String, Object> settings = new HashMap<>();
    settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    settings.putAll(sharedProducerSettings());
    return settings;
  }

  /** acks, idempotence, linger and batch size: the same for Chorus, hand-written and Spring. */
  static Map<String, Object> sharedProducerSettings() {
    return Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
        ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.BATCH_SIZE_CONFIG, "65536");
  }

  /** The CloudEvents binary-mode headers Chorus writes, built per record as Chorus does. */
  static RecordHeaders cloudEventHeaders() {
    RecordHeaders headers = new RecordHeaders();
    String id = UUID.randomUUID().toString();
    byte[] idBytes = bytes(id);
    headers.add("ce_specversion", SPEC);
    headers.add("ce_id", idBytes);
    headers.add("ce_source", SOURCE_BYTES);
    headers.add("ce_type", TYPE_BYTES);
    headers.add("ce_time", bytes(Instant.now().toString()));
    headers.add("content-type", JSON);
    headers.add("ce_correlationid", idBytes);
    return headers;
  }

  static byte[] encode(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T decode(byte[] bytes, Class<T> type) {
    try {
      return MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
