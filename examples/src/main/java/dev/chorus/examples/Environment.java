package dev.chorus.examples;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventFlow;
import dev.chorus.EventMetadata;
import dev.chorus.PublishReceipt;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.kafka.KafkaTransport;
import dev.chorus.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Where the services of a scenario run: it builds one {@link EventBus} per service process on the
 * chosen transport, names consumer groups, reads dead-letter topics back, and merges the flow maps
 * of all its buses into the scenario's.
 *
 * <ul>
 *   <li>{@link #inMemory(Clock)}: every bus shares one {@link InMemoryTransport}, as the services
 *       of one test would;
 *   <li>{@link #kafka(String, String, Clock)}: every bus gets its own {@link KafkaTransport} client,
 *       as separate processes would, and every consumer group gets the run id as a suffix, so that
 *       runs against a persistent cluster never share a group (each new group starts at the
 *       latest position and so sees only its own run's events).
 * </ul>
 *
 * <p>Closing the environment closes every bus it built, then the transport it created. Thread-safe.
 */
public final class Environment implements AutoCloseable {

  /** How long {@link #awaitIdle(Duration)} callers in the scenarios wait at most. */
  public static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Turns a configured builder into a bus. The default is {@code builder.build()}; tests use it to
   * wrap each service's bus in a recording {@code TestEventBus}.
   */
  @FunctionalInterface
  public interface BusFactory {

    /**
     * Builds the bus of one service.
     *
     * @param service the service name, also the bus's {@code source}
     * @param builder a builder with the transport, clock, source and listeners set
     * @return the bus
     */
    EventBus build(String service, EventBus.Builder builder);
  }

  private final String description;
  private final Supplier<Transport> transports;
  private final InMemoryTransport sharedTransport;
  private final boolean ownsSharedTransport;
  private final String bootstrapServers;
  private final String groupSuffix;
  private final Clock clock;
  private final AtomicLong activity = new AtomicLong();
  private final List<EventBus> buses = new ArrayList<>();
  private BusFactory factory = (service, builder) -> builder.build();

  private Environment(String description, Supplier<Transport> transports, InMemoryTransport sharedTransport,
      boolean ownsSharedTransport, String bootstrapServers, String groupSuffix, Clock clock) {
    this.description = description;
    this.transports = transports;
    this.sharedTransport = sharedTransport;
    this.ownsSharedTransport = ownsSharedTransport;
    this.bootstrapServers = bootstrapServers;
    this.groupSuffix = groupSuffix;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * An environment on a new in-memory transport, closed with the environment.
   *
   * @param clock the clock of every bus (event times and retry delays)
   * @return the environment
   */
  public static Environment inMemory(Clock clock) {
    InMemoryTransport transport = InMemoryTransport.builder().clock(clock).build();
    return new Environment("in memory", () -> transport, transport, true, null, "", clock);
  }

  /**
   * An environment on an existing in-memory transport, which the caller keeps and closes (a test's
   * transport, say).
   *
   * @param transport the transport every bus shares
   * @param clock the clock of every bus
   * @return the environment
   */
  public static Environment inMemory(InMemoryTransport transport, Clock clock) {
    Objects.requireNonNull(transport, "transport");
    return new Environment("in memory", () -> transport, transport, false, null, "", clock);
  }

  /**
   * An environment on a Kafka cluster: each bus gets its own {@link KafkaTransport} (its own
   * producer, consumers and admin client), and every consumer group is suffixed with
   * {@code "-" + runId}.
   *
   * @param bootstrapServers the brokers, {@code host:port[,host:port...]}
   * @param runId a short id unique to this run: letters, digits, {@code -}
   * @param clock the clock of every bus
   * @return the environment
   * @throws IllegalArgumentException if runId is blank or has other characters
   */
  public static Environment kafka(String bootstrapServers, String runId, Clock clock) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(runId, "runId");
    if (!runId.matches("[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException("runId must be letters, digits and '-': '" + runId + "'");
    }
    Supplier<Transport> transports = () -> KafkaTransport.builder().bootstrapServers(bootstrapServers)
        .clientId("chorus-examples-" + runId).build();
    return new Environment("on Kafka at " + bootstrapServers, transports, null, false, bootstrapServers,
        "-" + runId, clock);
  }

  /**
   * Replaces how configured builders become buses; call it before the first {@link #bus}.
   *
   * @param factory the factory
   * @return this environment
   */
  public synchronized Environment buildBusesWith(BusFactory factory) {
    this.factory = Objects.requireNonNull(factory, "factory");
    return this;
  }

  /**
   * Builds the bus of one service process. In memory, every bus shares the transport; on Kafka,
   * each has its own client.
   *
   * @param service the service name, written as the {@code source} of what it publishes
   * @param listener observes the bus, typically the scenario's {@link Narrator}
   * @return a new bus, closed with the environment
   */
  public synchronized EventBus bus(String service, EventBusListener listener) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(listener, "listener");
    EventBus.Builder builder = EventBus.builder()
        .transport(transports.get())
        .closeTransport(sharedTransport == null)
        .source(service)
        .clock(clock)
        .listener(listener)
        .listener(new ActivityCounter(activity));
    EventBus bus = factory.build(service, builder);
    buses.add(bus);
    return bus;
  }

  /**
   * The name of a consumer group in this environment: {@code name} in memory, {@code name} plus the
   * run suffix on Kafka.
   *
   * @param name the group's name in the scenario
   * @return the group name to subscribe with
   */
  public String group(String name) {
    return name + groupSuffix;
  }

  /**
   * The clock of every bus.
   *
   * @return the clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * What this environment runs on, for the narrative: {@code "in memory"} or
   * {@code "on Kafka at host:port"}.
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Waits until every bus of this environment is idle at once: each {@link EventBus#awaitIdle}
   * returns true and no bus published, handled, retried or dead-lettered anything meanwhile. Needed
   * because each bus only waits for its own subscriptions, while a chain crosses several buses.
   *
   * @param timeout how long to wait at most, on the wall clock
   * @return true if everything settled, false if the timeout passed first
   */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long before = activity.get();
      for (EventBus bus : snapshot()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !bus.awaitIdle(Duration.ofNanos(left))) {
          return false;
        }
      }
      if (activity.get() == before) {
        return true;
      }
    }
  }

  /**
   * Waits, like {@link #awaitIdle(Duration)}, at most {@link #SETTLE_TIMEOUT} until everything the
   * scenario set in motion has been handled, retried to the end or dead-lettered.
   *
   * @throws IllegalStateException if it did not settle in time
   */
  public void settle() {
    if (!awaitIdle(SETTLE_TIMEOUT)) {
      throw new IllegalStateException("the scenario did not settle within " + SETTLE_TIMEOUT.toSeconds() + " s "
          + description);
    }
  }

  /**
   * The flow map of the whole scenario: the flows of every bus built here, merged (each bus knows
   * only its own service's side). Counts of the same edge seen by several buses are added up.
   *
   * @return the merged flow
   */
  public EventFlow flow() {
    Map<String, EventFlow.Type> types = new LinkedHashMap<>();
    Map<EventFlow.Consumes, Boolean> consumes = new LinkedHashMap<>();
    Map<List<String>, Long> publishes = new LinkedHashMap<>();
    Map<List<String>, Long> emits = new LinkedHashMap<>();
    for (EventBus bus : snapshot()) {
      EventFlow flow = bus.flow();
      flow.types().forEach(type -> types.putIfAbsent(type.name(), type));
      flow.consumes().forEach(edge -> consumes.put(edge, true));
      flow.publishes().forEach(edge -> publishes.merge(List.of(edge.group(), edge.type()), edge.count(), Long::sum));
      flow.emits().forEach(edge -> emits.merge(List.of(edge.source(), edge.type()), edge.count(), Long::sum));
    }
    Comparator<EventFlow.Consumes> byTypeThenGroup = Comparator.comparing(EventFlow.Consumes::type)
        .thenComparing(EventFlow.Consumes::group);
    return new EventFlow(
        types.values().stream().sorted(Comparator.comparing(EventFlow.Type::name)).toList(),
        consumes.keySet().stream().sorted(byTypeThenGroup).toList(),
        publishes.entrySet().stream().sorted(Map.Entry.comparingByKey(Environment::compareKeys))
            .map(e -> new EventFlow.Publishes(e.getKey().get(0), e.getKey().get(1), e.getValue())).toList(),
        emits.entrySet().stream().sorted(Map.Entry.comparingByKey(Environment::compareKeys))
            .map(e -> new EventFlow.Emits(e.getKey().get(0), e.getKey().get(1), e.getValue())).toList());
  }

  /**
   * Reads every dead letter on a dead-letter topic back from the transport, in partition and
   * offset order: what an operator would see there. The default topic of a subscription is
   * {@code <topic>.<group>.dlt} ({@link DeadLetterPolicy#deadLetterTopic()}).
   *
   * @param topic the dead-letter topic
   * @return the dead letters; empty if the topic does not exist
   */
  public List<DeadLetter> deadLetters(String topic) {
    Objects.requireNonNull(topic, "topic");
    if (sharedTransport != null) {
      return sharedTransport.records(topic).stream()
          .map(record -> DeadLetter.from(record.key(), record.value(), record.headers())).toList();
    }
    return readKafkaDeadLetters(topic);
  }

  /** Closes every bus built here (last built first), then the transport this environment created. */
  @Override
  public void close() {
    List<EventBus> toClose = snapshot();
    Collections.reverse(toClose);
    for (EventBus bus : toClose) {
      bus.close();
    }
    if (ownsSharedTransport) {
      sharedTransport.close();
    }
  }

  @Override
  public String toString() {
    return "Environment[" + description + "]";
  }

  private synchronized List<EventBus> snapshot() {
    return new ArrayList<>(buses);
  }

  private static int compareKeys(List<String> a, List<String> b) {
    int first = a.get(0).compareTo(b.get(0));
    return first != 0 ? first : a.get(1).compareTo(b.get(1));
  }

  private List<DeadLetter> readKafkaDeadLetters(String topic) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "chorus-examples-dlt-reader");
    Duration timeout = Duration.ofSeconds(30);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        return List.of();
      }
      List<TopicPartition> partitions = infos.stream().map(info -> new TopicPartition(topic, info.partition()))
          .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records.stream()
          .sorted(Comparator.<ConsumerRecord<String, byte[]>>comparingInt(ConsumerRecord::partition)
              .thenComparingLong(ConsumerRecord::offset))
          .map(record -> {
            Map<String, byte[]> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
              headers.put(header.key(), header.value());
            }
            return DeadLetter.from(record.key(), record.value(), headers);
          })
          .toList();
    }
  }

  /** Counts everything the buses do, so that {@link #awaitIdle} can tell when it stopped. */
  private static final class ActivityCounter implements EventBusListener {
    private final AtomicLong activity;

    ActivityCounter(AtomicLong activity) {
      this.activity = activity;
    }

    @Override
    public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
      activity.incrementAndGet();
    }

    @Override
    public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
      activity.incrementAndGet();
    }

    @Override
    public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
      activity.incrementAndGet();
    }

    @Override
    public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
      activity.incrementAndGet();
    }

    @Override
    public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
      activity.incrementAndGet();
    }

    @Override
    public void onDiscarded(DeadLetter deadLetter) {
      activity.incrementAndGet();
    }

    @Override
    public void onSubscriptionFailed(DeadLetter deadLetter) {
      activity.incrementAndGet();
    }

    @Override
    public void onSkipped(EventMetadata metadata, String group, String reason) {
      activity.incrementAndGet();
    }
  }
}
