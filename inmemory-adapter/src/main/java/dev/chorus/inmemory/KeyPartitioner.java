package dev.chorus.inmemory;

import java.nio.charset.StandardCharsets;

/**
 * Maps a record key to a partition exactly like Kafka's default partitioner does for a
 * {@code String} key: {@code (murmur2(utf8(key)) & 0x7fffffff) % partitions}. So a key lands on
 * the same partition number in memory as on a Kafka topic with the same partition count.
 * Stateless.
 */
final class KeyPartitioner {

  private KeyPartitioner() {}

  /**
   * The partition of a key.
   *
   * @param key the record key, not null
   * @param partitions the topic's partition count, at least 1
   * @return the partition, in {@code [0, partitions)}
   */
  static int partition(String key, int partitions) {
    return (murmur2(key.getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % partitions;
  }

  /**
   * The 32-bit MurmurHash2 of {@code data} with Kafka's seed ({@code 0x9747b28c}), bit for bit
   * the same as {@code org.apache.kafka.common.utils.Utils.murmur2}.
   *
   * @param data the bytes to hash
   * @return the hash
   */
  static int murmur2(byte[] data) {
    int length = data.length;
    int m = 0x5bd1e995;
    int r = 24;
    int h = 0x9747b28c ^ length;
    int length4 = length / 4;
    for (int i = 0; i < length4; i++) {
      int i4 = i * 4;
      int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16)
          + ((data[i4 + 3] & 0xff) << 24);
      k *= m;
      k ^= k >>> r;
      k *= m;
      h *= m;
      h ^= k;
    }
    int tail = length & ~3;
    int remaining = length % 4;
    if (remaining >= 3) {
      h ^= (data[tail + 2] & 0xff) << 16;
    }
    if (remaining >= 2) {
      h ^= (data[tail + 1] & 0xff) << 8;
    }
    if (remaining >= 1) {
      h ^= data[tail] & 0xff;
      h *= m;
    }
    h ^= h >>> 13;
    h *= m;
    h ^= h >>> 15;
    return h;
  }
}
