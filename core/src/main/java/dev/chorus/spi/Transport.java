package dev.chorus.spi;

import dev.chorus.StartPosition;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

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
   * Appends a record as {@link #send(OutgoingRecord)} does, and calls {@code callback} exactly
   * once with its position (and a null failure) or with the failure (and a null position)
   * instead of returning a future: the engine publishes through this method, and a transport
   * whose client calls back on its own I/O thread saves a future per record by overriding it.
   * The callback runs on the transport's I/O thread or on the calling thread, and must not block.
   *
   * <p>The default completes through {@code send(record).whenComplete(callback)}.
   *
   * @param record the record
   * @param callback told of the outcome once, as the future of {@link #send(OutgoingRecord)}
   *     would be completed
   * @throws RuntimeException as {@link #send(OutgoingRecord)}, if the record is refused at once;
   *     the callback is then not called
   */
  default void send(OutgoingRecord record, BiConsumer<? super RecordPosition, ? super Throwable> callback) {
    send(record).whenComplete(callback);
  }

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
