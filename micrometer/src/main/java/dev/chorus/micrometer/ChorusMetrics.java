package dev.chorus.micrometer;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBusListener;
import dev.chorus.EventMetadata;
import dev.chorus.PublishException;
import dev.chorus.PublishReceipt;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventBusListener} that counts and times what an event bus does, on a Micrometer
 * {@link MeterRegistry}. Register it when building the bus:
 *
 * <pre>{@code
 * MeterRegistry registry = ...; // e.g. a PrometheusMeterRegistry
 * EventBus bus = EventBus.builder()
 *     .transport(transport)
 *     .listener(ChorusMetrics.of(registry).withTags(Tags.of("service", "orders")))
 *     .build();
 * // consumer lag, where the transport knows it:
 * ChorusMetrics.bindLag(registry, transport, "orders", List.of("payments"));
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * <table>
 *   <caption>Meters registered by {@code ChorusMetrics}</caption>
 *   <tr><th>Name</th><th>Type</th><th>Tags</th><th>Unit</th><th>What it counts</th></tr>
 *   <tr><td>{@code chorus.events.published}</td><td>counter</td><td>type, topic</td><td>events</td>
 *       <td>events the transport durably accepted ({@link #onPublished})</td></tr>
 *   <tr><td>{@code chorus.events.publish.failures}</td><td>counter</td><td>type, topic,
 *       exception</td><td>events</td><td>publishes that failed ({@link #onPublishFailed})</td></tr>
 *   <tr><td>{@code chorus.events.handled}</td><td>counter</td><td>type, group</td><td>events</td>
 *       <td>events a handler handled successfully ({@link #onHandled})</td></tr>
 *   <tr><td>{@code chorus.events.handling}</td><td>timer</td><td>type, group</td><td>seconds</td>
 *       <td>the duration of the successful attempt of each handled event</td></tr>
 *   <tr><td>{@code chorus.events.retries}</td><td>counter</td><td>type, group, exception</td>
 *       <td>retries</td><td>retries scheduled after a failed attempt ({@link #onRetryScheduled})</td></tr>
 *   <tr><td>{@code chorus.events.retry.delay}</td><td>timer</td><td>type, group</td><td>seconds</td>
 *       <td>the delay before each scheduled retry</td></tr>
 *   <tr><td>{@code chorus.events.dead.lettered}</td><td>counter</td><td>type, group, reason,
 *       topic</td><td>events</td><td>failed events given up on: written to a dead-letter topic
 *       ({@link #onDeadLettered}), discarded ({@link #onDiscarded}) or stopping their
 *       subscription ({@link #onSubscriptionFailed})</td></tr>
 *   <tr><td>{@code chorus.subscriptions.failed}</td><td>counter</td><td>group</td>
 *       <td>subscriptions</td><td>subscriptions stopped by
 *       {@link DeadLetterPolicy#stopSubscription()} ({@link #onSubscriptionFailed})</td></tr>
 *   <tr><td>{@code chorus.events.skipped}</td><td>counter</td><td>type, group</td><td>records</td>
 *       <td>records on a subscribed topic whose type the subscription did not ask for
 *       ({@link #onSkipped})</td></tr>
 *   <tr><td>{@code chorus.consumer.lag}</td><td>gauge</td><td>group, topic</td><td>records</td>
 *       <td>records not yet committed by a group; only where bound with
 *       {@link #bindLag}</td></tr>
 * </table>
 *
 * <p>Names follow Micrometer's conventions (dot-separated, lowercase); a registry renders them
 * in its own style, so Prometheus shows {@code chorus_events_published_total} and
 * {@code chorus_events_handling_seconds}. Timers publish count, total time and maximum;
 * percentiles and histograms are enabled, if wanted, with the registry's {@code MeterFilter}s.
 *
 * <h2>Tag values</h2>
 *
 * <ul>
 *   <li>{@code type}: the event type name ({@link EventMetadata#type()}); {@value #UNKNOWN} when
 *       a record carried none. Types of skipped and undecodable records come from the wire, so
 *       each meter name admits at most {@value #DEFAULT_TYPE_LIMIT} distinct types (see
 *       {@link #withTypeLimit(int)}); further types are counted under {@value #OTHER}.
 *   <li>{@code topic}: the event's topic; for {@code chorus.events.dead.lettered} the
 *       dead-letter topic, {@value #DISCARDED} for discarded events and {@value #STOPPED} for
 *       the event a subscription stopped at.
 *   <li>{@code group}: the subscription's consumer group.
 *   <li>{@code exception}: the simple class name of the exception, such as
 *       {@code IllegalStateException}; for publish failures, of the cause the
 *       {@link PublishException} wraps.
 *   <li>{@code reason}: {@link DeadLetter.Reason#name()}, such as {@code HANDLER_FAILED}.
 * </ul>
 *
 * <p>Meters are created on first use and cached, so the per-event cost is a map lookup and an
 * increment. Instances are immutable and thread-safe: the bus calls them concurrently from
 * publishing threads, the transport's acknowledgement threads, handler threads and
 * subscription poll threads. One instance may serve several buses.
 */
public final class ChorusMetrics implements EventBusListener {

  /** The {@code type} tag value of a record that carried no type. */
  public static final String UNKNOWN = "unknown";

  /** The {@code type} tag value once a meter name has admitted its limit of distinct types. */
  public static final String OTHER = "other";

  /** The {@code topic} tag value of {@code chorus.events.dead.lettered} for discarded events. */
  public static final String DISCARDED = "discarded";

  /**
   * The {@code topic} tag value of {@code chorus.events.dead.lettered} for the event a
   * subscription stopped at.
   */
  public static final String STOPPED = "stopped";

  /** How many distinct {@code type} tag values each meter name admits by default. */
  public static final int DEFAULT_TYPE_LIMIT = 500;

  private static final Logger LOG = LoggerFactory.getLogger(ChorusMetrics.class);

  private final MeterRegistry registry;
  private final Tags tags;
  private final int typeLimit;

  // One limit per family of meters that share the type tag, so that they admit the same types.
  private final TypeLimit publishedTypes;
  private final TypeLimit publishFailureTypes;
  private final TypeLimit handledTypes;
  private final TypeLimit retryTypes;
  private final TypeLimit deadLetterTypes;
  private final TypeLimit skippedTypes;

  private final Map<Key, Counter> published = new ConcurrentHashMap<>();
  private final Map<Key, Counter> publishFailures = new ConcurrentHashMap<>();
  private final Map<Key, Counter> handled = new ConcurrentHashMap<>();
  private final Map<Key, Timer> handling = new ConcurrentHashMap<>();
  private final Map<Key, Counter> retries = new ConcurrentHashMap<>();
  private final Map<Key, Timer> retryDelay = new ConcurrentHashMap<>();
  private final Map<Key, Counter> deadLettered = new ConcurrentHashMap<>();
  private final Map<Key, Counter> subscriptionsFailed = new ConcurrentHashMap<>();
  private final Map<Key, Counter> skipped = new ConcurrentHashMap<>();

  private ChorusMetrics(MeterRegistry registry, Tags tags, int typeLimit) {
    this.registry = registry;
    this.tags = tags;
    this.typeLimit = typeLimit;
    this.publishedTypes = new TypeLimit(typeLimit);
    this.publishFailureTypes = new TypeLimit(typeLimit);
    this.handledTypes = new TypeLimit(typeLimit);
    this.retryTypes = new TypeLimit(typeLimit);
    this.deadLetterTypes = new TypeLimit(typeLimit);
    this.skippedTypes = new TypeLimit(typeLimit);
  }

  /**
   * Metrics on this registry, without common tags, admitting {@value #DEFAULT_TYPE_LIMIT}
   * distinct types per meter name.
   *
   * @param registry where the meters are registered
   * @return the listener
   * @throws NullPointerException if registry is null
   */
  public static ChorusMetrics of(MeterRegistry registry) {
    return new ChorusMetrics(Objects.requireNonNull(registry, "registry"), Tags.empty(), DEFAULT_TYPE_LIMIT);
  }

  /**
   * These metrics with tags added to every meter, such as the service name. The new instance
   * starts with no meters of its own; configure it before registering it with a bus.
   *
   * @param tags the common tags; on a key clash with an earlier common tag, the later wins
   * @return a new listener
   * @throws NullPointerException if tags or a tag is null
   */
  public ChorusMetrics withTags(Iterable<Tag> tags) {
    Objects.requireNonNull(tags, "tags");
    for (Tag tag : tags) {
      Objects.requireNonNull(tag, "tag");
    }
    return new ChorusMetrics(registry, this.tags.and(tags), typeLimit);
  }

  /**
   * These metrics admitting another number of distinct {@code type} tag values per meter
   * name; types beyond the limit are counted under {@value #OTHER}. The new instance starts
   * with no meters of its own; configure it before registering it with a bus.
   *
   * @param limit the number of distinct types, at least 1
   * @return a new listener
   * @throws IllegalArgumentException if limit is below 1
   */
  public ChorusMetrics withTypeLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("type limit must be at least 1: " + limit);
    }
    return new ChorusMetrics(registry, tags, limit);
  }

  /**
   * Counts {@code chorus.events.published}.
   *
   * @param metadata the event's metadata
   * @param receipt where it was stored
   */
  @Override
  public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
    Key key = new Key(publishedTypes.admit(metadata.type()), receipt.topic(), "", "");
    counter(published, key, k -> Counter.builder("chorus.events.published")
        .description("Events the transport durably accepted")
        .tags(tags).tag("type", k.type()).tag("topic", k.b()))
        .increment();
  }

  /**
   * Counts {@code chorus.events.publish.failures}.
   *
   * @param metadata the event's metadata
   * @param topic the topic it was meant for
   * @param failure why it failed
   */
  @Override
  public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
    Key key = new Key(publishFailureTypes.admit(metadata.type()), topic, exceptionName(unwrap(failure)), "");
    counter(publishFailures, key, k -> Counter.builder("chorus.events.publish.failures")
        .description("Publishes that failed")
        .tags(tags).tag("type", k.type()).tag("topic", k.b()).tag("exception", k.c()))
        .increment();
  }

  /**
   * Counts {@code chorus.events.handled} and records the attempt's duration in
   * {@code chorus.events.handling}.
   *
   * @param metadata the event's metadata
   * @param group the subscription's group
   * @param attempt the attempt that succeeded, 1-based
   * @param duration how long the successful attempt took
   */
  @Override
  public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
    Key key = new Key(handledTypes.admit(metadata.type()), group, "", "");
    counter(handled, key, k -> Counter.builder("chorus.events.handled")
        .description("Events a handler handled successfully")
        .tags(tags).tag("type", k.type()).tag("group", k.b()))
        .increment();
    timer(handling, key, k -> Timer.builder("chorus.events.handling")
        .description("Duration of the successful handler attempt")
        .tags(tags).tag("type", k.type()).tag("group", k.b()))
        .record(duration);
  }

  /**
   * Counts {@code chorus.events.retries} and records the delay in
   * {@code chorus.events.retry.delay}.
   *
   * @param metadata the event's metadata
   * @param group the subscription's group
   * @param attempt the attempt that failed, 1-based
   * @param delay the delay before the next attempt
   * @param cause what the handler threw
   */
  @Override
  public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
    String type = retryTypes.admit(metadata.type());
    counter(retries, new Key(type, group, exceptionName(cause), ""), k -> Counter.builder("chorus.events.retries")
        .description("Retries scheduled after a failed handler attempt")
        .tags(tags).tag("type", k.type()).tag("group", k.b()).tag("exception", k.c()))
        .increment();
    timer(retryDelay, new Key(type, group, "", ""), k -> Timer.builder("chorus.events.retry.delay")
        .description("Delay before a scheduled retry")
        .tags(tags).tag("type", k.type()).tag("group", k.b()))
        .record(delay);
  }

  /**
   * Counts {@code chorus.events.dead.lettered} with the dead-letter topic.
   *
   * @param deadLetter the dead letter
   * @param deadLetterTopic the topic it was written to
   */
  @Override
  public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
    countDeadLetter(deadLetter, deadLetterTopic);
  }

  /**
   * Counts {@code chorus.events.dead.lettered} with topic {@value #DISCARDED}.
   *
   * @param deadLetter what would have been dead-lettered
   */
  @Override
  public void onDiscarded(DeadLetter deadLetter) {
    countDeadLetter(deadLetter, DISCARDED);
  }

  /**
   * Counts {@code chorus.events.dead.lettered} with topic {@value #STOPPED}, and
   * {@code chorus.subscriptions.failed}.
   *
   * @param deadLetter the event it stopped at and why
   */
  @Override
  public void onSubscriptionFailed(DeadLetter deadLetter) {
    countDeadLetter(deadLetter, STOPPED);
    counter(subscriptionsFailed, new Key("", deadLetter.group(), "", ""), k -> Counter.builder("chorus.subscriptions.failed")
        .description("Subscriptions stopped at a failed event")
        .tags(tags).tag("group", k.b()))
        .increment();
  }

  /**
   * Counts {@code chorus.events.skipped}.
   *
   * @param metadata the record's metadata, as far as it could be read
   * @param group the subscription's group
   * @param reason why it was skipped
   */
  @Override
  public void onSkipped(EventMetadata metadata, String group, String reason) {
    Key key = new Key(skippedTypes.admit(metadata.type()), group, "", "");
    counter(skipped, key, k -> Counter.builder("chorus.events.skipped")
        .description("Records on a subscribed topic whose type the subscription did not ask for")
        .tags(tags).tag("type", k.type()).tag("group", k.b()))
        .increment();
  }

  /**
   * Registers a gauge {@code chorus.consumer.lag} {group, topic} per topic: the number of
   * records of the topic that the group has not committed yet, summed over its partitions
   * (end offset minus committed offset; a partition without a commit counts from offset 0).
   *
   * <p>The gauge asks the transport ({@link Transport#endOffsets} and
   * {@link Transport#committedOffsets}) each time it is read, that is on every scrape or
   * publication of the registry; on Kafka that is a round trip to the brokers. If a query
   * fails the gauge reads {@code NaN} (and the failure is logged at WARN once, then at DEBUG
   * until a query succeeds again); reading it never throws. A topic that does not exist yet
   * reads 0. The gauge holds the transport strongly; remove it from the registry (or close the
   * registry) when the transport goes away. If a gauge of the same name and tags is already
   * registered, the registry keeps the existing one.
   *
   * <p>The registry's common tags ({@code registry.config().commonTags(...)}) apply; the tags
   * of {@link #withTags} do not.
   *
   * @param registry where the gauges are registered
   * @param transport the transport the group reads from
   * @param group the consumer group
   * @param topics the topics the group reads
   * @return the gauges, one per distinct topic, in the order given
   * @throws NullPointerException if an argument or a topic is null
   * @throws IllegalArgumentException if topics is empty
   */
  public static List<Gauge> bindLag(MeterRegistry registry, Transport transport, String group,
      Collection<String> topics) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(topics, "topics");
    Set<String> distinct = new LinkedHashSet<>();
    for (String topic : topics) {
      distinct.add(Objects.requireNonNull(topic, "topic"));
    }
    if (distinct.isEmpty()) {
      throw new IllegalArgumentException("bindLag needs at least one topic for group " + group);
    }
    List<Gauge> gauges = new ArrayList<>(distinct.size());
    for (String topic : distinct) {
      Lag lag = new Lag(transport, group, topic);
      gauges.add(Gauge.builder("chorus.consumer.lag", lag::read)
          .description("Records of the topic not yet committed by the consumer group")
          .tags("group", group, "topic", topic)
          .strongReference(true)
          .register(registry));
    }
    return List.copyOf(gauges);
  }

  @Override
  public String toString() {
    return "ChorusMetrics[" + registry.getClass().getSimpleName() + ", tags=" + tags + ", typeLimit=" + typeLimit + "]";
  }

  private void countDeadLetter(DeadLetter letter, String topic) {
    Key key = new Key(deadLetterTypes.admit(letter.metadata().type()), letter.group(),
        letter.failure().reason().name(), topic);
    counter(deadLettered, key, k -> Counter.builder("chorus.events.dead.lettered")
        .description("Failed events given up on: dead-lettered, discarded or stopping their subscription")
        .tags(tags).tag("type", k.type()).tag("group", k.b()).tag("reason", k.c()).tag("topic", k.d()))
        .increment();
  }

  private Counter counter(Map<Key, Counter> cache, Key key, Function<Key, Counter.Builder> builder) {
    Counter counter = cache.get(key);
    return counter != null ? counter : cache.computeIfAbsent(key, k -> builder.apply(k).register(registry));
  }

  private Timer timer(Map<Key, Timer> cache, Key key, Function<Key, Timer.Builder> builder) {
    Timer timer = cache.get(key);
    return timer != null ? timer : cache.computeIfAbsent(key, k -> builder.apply(k).register(registry));
  }

  /** The publish failure's own cause: the engine wraps every failure in a PublishException. */
  private static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    for (int i = 0; i < 4 && current.getCause() != null
        && (current instanceof PublishException || current instanceof CompletionException
            || current instanceof ExecutionException); i++) {
      current = current.getCause();
    }
    return current;
  }

  private static String exceptionName(Throwable failure) {
    if (failure == null) {
      return "none";
    }
    Class<?> type = failure.getClass();
    String simple = type.getSimpleName();
    if (!simple.isEmpty()) {
      return simple;
    }
    // An anonymous class has no simple name: use its binary name without the package ("Outer$1").
    String name = type.getName();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** The tag values of one meter; unused positions are empty. */
  private record Key(String type, String b, String c, String d) {}

  /**
   * Admits at most {@code limit} distinct type names; the rest become {@value #OTHER}. Reads of
   * admitted types take no lock.
   */
  private static final class TypeLimit {
    private final int limit;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private volatile boolean full;

    TypeLimit(int limit) {
      this.limit = limit;
    }

    String admit(String type) {
      String name = type == null ? UNKNOWN : type;
      if (admitted.contains(name)) {
        return name;
      }
      if (full) {
        return OTHER;
      }
      synchronized (this) {
        if (admitted.size() < limit) {
          admitted.add(name);
          return name;
        }
        full = true;
        return OTHER;
      }
    }
  }

  /** One lag gauge's query. */
  private static final class Lag {
    private final Transport transport;
    private final String group;
    private final List<String> topics;
    private final AtomicBoolean failing = new AtomicBoolean();

    Lag(Transport transport, String group, String topic) {
      this.transport = transport;
      this.group = group;
      this.topics = List.of(topic);
    }

    double read() {
      try {
        Map<TopicPartition, Long> ends = transport.endOffsets(topics);
        Map<TopicPartition, Long> committed = ends.isEmpty() ? Map.of() : transport.committedOffsets(group, topics);
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
          Long position = committed.get(end.getKey());
          lag += Math.max(0, end.getValue() - (position == null ? 0 : position));
        }
        failing.set(false);
        return lag;
      } catch (RuntimeException e) {
        if (failing.compareAndSet(false, true)) {
          LOG.warn("consumer lag of group {} on {} is unknown: the transport query failed", group, topics.get(0), e);
        } else {
          LOG.debug("consumer lag of group {} on {} is still unknown", group, topics.get(0), e);
        }
        return Double.NaN;
      }
    }
  }
}
