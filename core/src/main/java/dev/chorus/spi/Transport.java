package dev.chorus.spi;

import dev.chorus.StartPosition;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a transport does for the engine: append to partitioned logs, and hand out group
 * consumers that poll, pause, commit and report assignment changes. All delivery semantics
 * (retries, dead letters, ordering per key, progress tracking) live in the engine, so every
 * transport behaves the same by construction. Implementations are thread-safe.
 */
public interface Transport extends AutoCloseable {

  /**
   * Appends a record. The partition is chosen from the key (the same key always goes to the
   * same partition of a topic). The topic is created if it does not exist and the transport
   * may create topics.
   *
   * @param record the record
   * @return a future that completes when the record is durably stored, or exceptionally: with a
   *     {@link RecordTooLargeException} if the record is refused for its size and always will be
   *     (the engine then writes a smaller dead letter rather than retrying it)
   */
  CompletableFuture<RecordPosition> send(OutgoingRecord record);

  /**
   * Joins a consumer group as a new member.
   *
   * @param group the group
   * @param topics the topics to read
   * @param start where a group without committed positions starts
   * @param listener told about assignment changes, on the polling thread
   * @return the consumer
   */
  TransportConsumer consumer(String group, Collection<String> topics, StartPosition start,
      RebalanceListener listener);

  /**
   * The end offset (the offset the next appended record gets) of every partition of these
   * topics. Topics that do not exist yet have no partitions here.
   *
   * @param topics the topics
   * @return end offset per partition
   */
  Map<TopicPartition, Long> endOffsets(Collection<String> topics);

  /**
   * The group's committed offsets for every partition of these topics that has one.
   *
   * @param group the group
   * @param topics the topics
   * @return committed offset (next offset to read) per partition
   */
  Map<TopicPartition, Long> committedOffsets(String group, Collection<String> topics);

  /** Releases the transport's resources. Idempotent. */
  @Override
  void close();
}
