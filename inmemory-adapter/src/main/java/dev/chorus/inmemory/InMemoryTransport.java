package dev.chorus.inmemory;

import dev.chorus.StartPosition;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;

/**
 * A {@link Transport} that keeps everything in this JVM, with Kafka's semantics: each topic is a
 * set of append-only partition logs with bounded retention; consumer groups keep committed
 * offsets and share partitions among their members with cooperative handoff. Meant for tests
 * and local runs; nothing survives {@link #close()} or the JVM.
 *
 * <p><b>Partitioning.</b> A record with a key goes to partition
 * {@code (murmur2(key as UTF-8) & 0x7fffffff) % partitions}, the same as Kafka's default
 * partitioner, so a key lands on the same partition number as on a Kafka topic with the same
 * partition count. Records without a key are spread round-robin.
 *
 * <p><b>Topics</b> are created on demand by {@link #send} and {@link #consumer} with the default
 * partition count ({@link Builder#partitions(int)}), or up front by {@link #createTopic}.
 *
 * <p><b>Consumer groups.</b> For each topic, its partitions are dealt round-robin to the group's
 * members subscribed to it, in join order, and dealt again whenever a member joins or leaves.
 * A partition is never owned by two members at once: its current owner revokes it in its next
 * {@link TransportConsumer#poll poll} ({@link RebalanceListener#onRevoked} runs on that poll
 * thread while it still owns the partition, so it may commit), and only then does the new owner
 * acquire it in its own poll ({@link RebalanceListener#onAssigned}), starting at the group's
 * committed offset, or for a group without one at the log start ({@link StartPosition#EARLIEST})
 * or log end ({@link StartPosition#LATEST}) as of that moment. A member that polls again only
 * after a long time keeps its partitions until then: there is no poll-interval timeout.
 *
 * <p><b>Retention.</b> Each partition keeps its newest {@link Builder#retention(int)} records.
 * A consumer whose position was dropped skips to the log start, and a WARN names the group,
 * the partition and how many records it missed.
 *
 * <p>Thread-safe: any number of threads may publish at once (each partition has its own lock),
 * and each consumer is driven by its own thread.
 */
public final class InMemoryTransport implements Transport {

  private final TopicRegistry topics;
  private final ConcurrentMap<String, GroupCoordinator> groups = new ConcurrentHashMap<>();
  private final Set<InMemoryConsumer> consumers = ConcurrentHashMap.newKeySet();
  private final int defaultPartitions;
  private final int retention;
  private volatile boolean closed;

  private InMemoryTransport(Builder builder) {
    this.defaultPartitions = builder.partitions;
    this.retention = builder.retention;
    this.topics = new TopicRegistry(builder.partitions, builder.retention, builder.clock);
  }

  /**
   * Creates a transport with the defaults: 4 partitions per topic, 10,000 records retained per
   * partition, timestamps from {@link Clock#systemUTC()}.
   *
   * @return a new, empty transport
   */
  public static InMemoryTransport create() {
    return builder().build();
  }

  /**
   * Starts configuring a transport.
   *
   * @return a new builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a topic with a partition count other than the default. Does nothing if the topic
   * already exists with this partition count. Thread-safe.
   *
   * @param topic the topic name
   * @param partitions the number of partitions, at least 1
   * @throws NullPointerException if topic is null
   * @throws IllegalArgumentException if topic is blank or partitions is below 1
   * @throws IllegalStateException if the topic exists with another partition count, or this
   *     transport is closed
   */
  public void createTopic(String topic, int partitions) {
    ensureOpen();
    topics.create(topic, partitions);
  }

  /**
   * Appends a record to its topic (created on demand) and returns its position at once: the
   * record is stored when this method returns. The value array is stored as given and must not
   * be modified afterwards; the headers are kept as the record holds them (read-only). Thread-safe.
   *
   * @param record the record
   * @return a future already completed with the offset and timestamp, or failed with
   *     {@link IllegalStateException} if this transport is closed
   * @throws NullPointerException if record is null
   * @throws IllegalArgumentException if the record's topic is blank
   */
  @Override
  public CompletableFuture<RecordPosition> send(OutgoingRecord record) {
    Objects.requireNonNull(record, "record");
    if (closed) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("InMemoryTransport is closed: cannot send to '" + record.topic() + "'"));
    }
    return CompletableFuture.completedFuture(topics.getOrCreate(record.topic()).append(record));
  }

  /**
   * Appends a record as {@link #send(OutgoingRecord)} does and calls {@code callback} on the
   * calling thread before returning, without a future.
   *
   * @param record the record
   * @param callback told of the position, or that the transport is closed
   * @throws NullPointerException if record or callback is null
   * @throws IllegalArgumentException if the record's topic is blank
   */
  @Override
  public void send(OutgoingRecord record, BiConsumer<? super RecordPosition, ? super Throwable> callback) {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(callback, "callback");
    if (closed) {
      callback.accept(null,
          new IllegalStateException("InMemoryTransport is closed: cannot send to '" + record.topic() + "'"));
      return;
    }
    callback.accept(topics.getOrCreate(record.topic()).append(record), null);
  }

  /**
   * Joins a consumer group as a new member, creating the topics that do not exist. The member
   * gets its partitions in its first {@link TransportConsumer#poll poll}. Thread-safe.
   *
   * <p>The returned consumer is driven by one thread at a time: {@code poll}, {@code pause},
   * {@code resume} and {@code commit} throw {@link java.util.ConcurrentModificationException}
   * when called while another thread is inside one of them; {@code wakeup} and {@code close}
   * are safe from any thread. {@code poll} returns at most 500 records, spread fairly over the
   * assigned unpaused partitions; it returns early (possibly empty) after {@code wakeup()}, after
   * an assignment change, after {@code close()} or when the polling thread is interrupted (the
   * interrupt status is kept). {@code commit} stores offsets of the partitions the member owns
   * and ignores the others; it is accepted inside {@code onRevoked}. {@code pause} ignores
   * partitions not assigned. {@code close} leaves the group without calling {@code onRevoked}.
   * After {@code close}, every method but {@code wakeup} and {@code close} throws
   * {@link IllegalStateException}.
   *
   * @param group the group name
   * @param topics the topics to read, at least one
   * @param start where the group starts on a partition it has no committed offset for
   * @param listener told about assignment changes, on the polling thread inside {@code poll}
   * @return the new member
   * @throws NullPointerException if an argument or topic is null
   * @throws IllegalArgumentException if group or a topic is blank, or topics is empty
   * @throws IllegalStateException if this transport is closed
   */
  @Override
  public TransportConsumer consumer(String group, Collection<String> topics, StartPosition start,
      RebalanceListener listener) {
    Objects.requireNonNull(group, "group");
    if (group.isBlank()) {
      throw new IllegalArgumentException("group cannot be blank: '" + group + "'");
    }
    Objects.requireNonNull(topics, "topics");
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("topics cannot be empty: a consumer reads at least one topic");
    }
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(listener, "listener");
    SortedSet<String> subscription = new TreeSet<>();
    for (String topic : topics) {
      subscription.add(TopicRegistry.requireTopicName(topic));
    }
    ensureOpen();
    for (String topic : subscription) {
      this.topics.getOrCreate(topic);
    }
    GroupCoordinator coordinator = groups.computeIfAbsent(group, name -> new GroupCoordinator(name, this.topics));
    InMemoryConsumer consumer = new InMemoryConsumer(coordinator, this.topics,
        Collections.unmodifiableSortedSet(subscription), start, listener, consumers::remove);
    consumers.add(consumer);
    consumer.join();
    if (closed) {
      consumer.close();
      throw new IllegalStateException("InMemoryTransport is closed: cannot join group '" + group + "'");
    }
    return consumer;
  }

  /**
   * The end offset (the offset the next record gets) of every partition of the given topics
   * that exist; topics that do not exist are left out, not created. Thread-safe.
   *
   * @param topics the topics
   * @return end offset per partition, sorted by partition
   * @throws NullPointerException if topics or a topic is null
   */
  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<String> topics) {
    Objects.requireNonNull(topics, "topics");
    Map<TopicPartition, Long> ends = new TreeMap<>();
    for (String name : topics) {
      Topic topic = this.topics.find(name);
      if (topic != null) {
        for (int p = 0; p < topic.partitionCount(); p++) {
          ends.put(new TopicPartition(name, p), topic.partition(p).endOffset());
        }
      }
    }
    return Collections.unmodifiableMap(ends);
  }

  /**
   * The group's committed offsets (the next offset to read) for the partitions of these topics
   * that have one; an unknown group has none. Thread-safe.
   *
   * @param group the group
   * @param topics the topics
   * @return committed offset per partition, sorted by partition
   * @throws NullPointerException if group, topics or a topic is null
   */
  @Override
  public Map<TopicPartition, Long> committedOffsets(String group, Collection<String> topics) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(topics, "topics");
    Set<String> names = new TreeSet<>();
    for (String topic : topics) {
      names.add(Objects.requireNonNull(topic, "topic"));
    }
    Map<TopicPartition, Long> offsets = new TreeMap<>();
    GroupCoordinator coordinator = groups.get(group);
    if (coordinator != null) {
      coordinator.committedOffsets(names, offsets);
    }
    return Collections.unmodifiableMap(offsets);
  }

  /**
   * All records of a topic that retention still keeps, ordered by partition, then offset: a
   * test inspection method. An unknown topic has none (and is not created). Works after
   * {@link #close()} too. Thread-safe; the list is a snapshot.
   *
   * @param topic the topic
   * @return the records, unmodifiable
   * @throws NullPointerException if topic is null
   */
  public List<TransportRecord> records(String topic) {
    Topic found = topics.find(topic);
    if (found == null) {
      return List.of();
    }
    List<TransportRecord> records = new ArrayList<>();
    for (int p = 0; p < found.partitionCount(); p++) {
      records.addAll(found.partition(p).snapshot());
    }
    return Collections.unmodifiableList(records);
  }

  /**
   * Closes every consumer (a poll in progress returns) and refuses new work: later sends fail
   * their future with {@link IllegalStateException}, and {@link #consumer} and
   * {@link #createTopic} throw it. Retained records stay readable through {@link #records}.
   * Idempotent; thread-safe.
   */
  @Override
  public void close() {
    closed = true;
    for (InMemoryConsumer consumer : consumers) {
      consumer.close();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("InMemoryTransport is closed");
    }
  }

  @Override
  public String toString() {
    return "InMemoryTransport[partitions=" + defaultPartitions + ", retention=" + retention
        + (closed ? ", closed" : "") + "]";
  }

  /**
   * Configures an {@link InMemoryTransport}. Each setter checks its argument at once and names
   * the option in the message. Not thread-safe; {@link #build()} may be called again and each
   * call returns a new, independent transport.
   */
  public static final class Builder {

    private int partitions = 4;
    private int retention = 10_000;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The partition count of topics created on demand. Default 4.
     *
     * @param partitions the number of partitions, at least 1
     * @return this builder
     * @throws IllegalArgumentException if partitions is below 1
     */
    public Builder partitions(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
      }
      this.partitions = partitions;
      return this;
    }

    /**
     * How many records each partition keeps; when a partition holds more, its oldest records
     * are dropped and its log start offset advances. Default 10,000.
     *
     * @param recordsPerPartition the records kept per partition, at least 1
     * @return this builder
     * @throws IllegalArgumentException if recordsPerPartition is below 1
     */
    public Builder retention(int recordsPerPartition) {
      if (recordsPerPartition < 1) {
        throw new IllegalArgumentException("retention must be at least 1 record per partition: "
            + recordsPerPartition);
      }
      this.retention = recordsPerPartition;
      return this;
    }

    /**
     * The clock that stamps stored records. Default {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     * @throws NullPointerException if clock is null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates a transport with these settings.
     *
     * @return a new, empty transport
     */
    public InMemoryTransport build() {
      return new InMemoryTransport(this);
    }
  }
}
