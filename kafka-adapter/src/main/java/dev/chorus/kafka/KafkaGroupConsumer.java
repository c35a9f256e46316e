package dev.chorus.kafka;

import dev.chorus.ChorusException;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group member on a {@link KafkaConsumer}: manual commits only, byte-array deserializers
 * (so no record can fail inside {@code poll}; the engine decodes each record where a failure
 * can be pinned to it), and Kafka's rebalance callbacks passed to the engine on the polling
 * thread.
 *
 * <p>{@link #wakeup()} is how the engine interrupts a waiting poll. Kafka delivers a wakeup as
 * a {@link WakeupException} from whichever blocking call comes next, which may be a commit or a
 * position lookup inside a rebalance callback; those calls are repeated here, and the wakeup is
 * remembered so that the next poll returns at once.
 */
final class KafkaGroupConsumer implements TransportConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaGroupConsumer.class);
  private static final byte[] EMPTY = new byte[0];

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String group;
  private final Duration closeTimeout;
  private final int maxPollRecords;
  private boolean wokenUp;

  KafkaGroupConsumer(Map<String, Object> config, String group, Collection<String> topics, RebalanceListener listener,
      Duration closeTimeout) {
    this.consumer = new KafkaConsumer<>(config);
    this.group = group;
    this.closeTimeout = closeTimeout;
    // Valid by now: the consumer was built from it (Kafka takes an Integer or a String).
    Object max = config.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    this.maxPollRecords = max == null ? ConsumerConfig.DEFAULT_MAX_POLL_RECORDS : Integer.parseInt(max.toString().trim());
    consumer.subscribe(List.copyOf(topics), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
          listener.onRevoked(toChorus(partitions));
        }
      }

      @Override
      public void onPartitionsLost(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        LOG.warn("group {} lost {} without a clean revoke; their uncommitted events will be delivered again",
            group, partitions);
        if (!partitions.isEmpty()) {
          listener.onRevoked(toChorus(partitions));
        }
      }

      @Override
      public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (org.apache.kafka.common.TopicPartition partition : partitions) {
          positions.put(toChorus(partition), withoutWakeup(() -> consumer.position(partition)));
        }
        listener.onAssigned(positions);
      }
    });
  }

  @Override
  public List<TransportRecord> poll(Duration timeout) {
    Duration wait = wokenUp ? Duration.ZERO : timeout;
    wokenUp = false;
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(wait);
    } catch (WakeupException e) {
      return List.of();
    }
    if (records.isEmpty()) {
      return List.of();
    }
    List<TransportRecord> result = new ArrayList<>(records.count());
    for (ConsumerRecord<byte[], byte[]> record : records) {
      result.add(toChorus(record));
    }
    return result;
  }

  private static TransportRecord toChorus(ConsumerRecord<byte[], byte[]> record) {
    return new TransportRecord(record.topic(), record.partition(), record.offset(),
        Instant.ofEpochMilli(Math.max(0, record.timestamp())),
        record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
        record.value() == null ? EMPTY : record.value(), HeaderMap.of(record.headers().toArray()));
  }

  @Override
  public int maxPollRecords() {
    return maxPollRecords;
  }

  @Override
  public void pause(Collection<TopicPartition> partitions) {
    consumer.pause(owned(partitions));
  }

  @Override
  public void resume(Collection<TopicPartition> partitions) {
    consumer.resume(owned(partitions));
  }

  @Override
  public void commit(Map<TopicPartition, Long> offsets) {
    Set<org.apache.kafka.common.TopicPartition> assignment = consumer.assignment();
    Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
    offsets.forEach((partition, offset) -> {
      org.apache.kafka.common.TopicPartition kafkaPartition = toKafka(partition);
      if (assignment.contains(kafkaPartition)) {
        commits.put(kafkaPartition, new OffsetAndMetadata(offset));
      } else {
        LOG.debug("group {} no longer owns {}; not committing {}", group, partition, offset);
      }
    });
    if (commits.isEmpty()) {
      return;
    }
    try {
      withoutWakeup(() -> {
        consumer.commitSync(commits);
        return null;
      });
    } catch (KafkaException e) {
      throw new ChorusException("group " + group + " could not commit " + commits + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    try {
      consumer.close(CloseOptions.timeout(closeTimeout));
    } catch (KafkaException e) {
      LOG.warn("group {}: error closing the Kafka consumer", group, e);
    }
  }

  /** Runs a blocking consumer call, repeating it if an engine wakeup interrupted it. */
  private <T> T withoutWakeup(Supplier<T> call) {
    while (true) {
      try {
        return call.get();
      } catch (WakeupException e) {
        wokenUp = true;
      }
    }
  }

  private List<org.apache.kafka.common.TopicPartition> owned(Collection<TopicPartition> partitions) {
    Set<org.apache.kafka.common.TopicPartition> assignment = consumer.assignment();
    return partitions.stream().map(KafkaGroupConsumer::toKafka).filter(assignment::contains).toList();
  }

  static TopicPartition toChorus(org.apache.kafka.common.TopicPartition partition) {
    return new TopicPartition(partition.topic(), partition.partition());
  }

  private static List<TopicPartition> toChorus(Collection<org.apache.kafka.common.TopicPartition> partitions) {
    return partitions.stream().map(KafkaGroupConsumer::toChorus).toList();
  }

  private static org.apache.kafka.common.TopicPartition toKafka(TopicPartition partition) {
    return new org.apache.kafka.common.TopicPartition(partition.topic(), partition.partition());
  }
}
