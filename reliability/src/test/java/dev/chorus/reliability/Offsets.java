package dev.chorus.reliability;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** The broker's view: committed offsets of a group and end offsets of a topic, through an Admin client. */
final class Offsets implements AutoCloseable {

  private final Admin admin;

  Offsets(String bootstrap) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    this.admin = Admin.create(properties);
  }

  /** Committed offset per partition of the group (partitions without a commit are absent). */
  Map<Integer, Long> committed(String group) {
    Map<Integer, Long> result = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> offsets =
        get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    offsets.forEach((partition, offset) -> {
      if (offset != null && partition.topic().equals(Tick.TOPIC)) {
        result.put(partition.partition(), offset.offset());
      }
    });
    return result;
  }

  /** End offset per partition of the ticks topic. */
  Map<Integer, Long> end(int partitions) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(Tick.TOPIC, p), OffsetSpec.latest());
    }
    Map<Integer, Long> result = new HashMap<>();
    get(admin.listOffsets(request).all()).forEach((partition, info) -> result.put(partition.partition(), info.offset()));
    return result;
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("admin request failed: " + e, e);
    }
  }

  @Override
  public void close() {
    admin.close();
  }
}
