package dev.chorus.inmemory;

import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.TransportRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Builds and reads records in tests. */
final class TestRecords {

  private TestRecords() {}

  static OutgoingRecord record(String topic, String key, String value) {
    return new OutgoingRecord(topic, key, value.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  static String value(TransportRecord record) {
    return new String(record.value(), StandardCharsets.UTF_8);
  }

  /** A key that the transport puts on {@code partition} of a topic with {@code partitions}. */
  static String keyFor(int partition, int partitions) {
    for (int i = 0; ; i++) {
      String key = "key-" + i;
      if (KeyPartitioner.partition(key, partitions) == partition) {
        return key;
      }
    }
  }

  /** Sends {@code count} records with values {@code prefix-0..} to one partition. */
  static void sendTo(InMemoryTransport transport, String topic, int partition, int partitions, String prefix,
      int count) {
    String key = keyFor(partition, partitions);
    for (int i = 0; i < count; i++) {
      transport.send(record(topic, key, prefix + "-" + i)).join();
    }
  }
}
