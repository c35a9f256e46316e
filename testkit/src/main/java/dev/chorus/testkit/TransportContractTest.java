package dev.chorus.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventFlow;
import dev.chorus.EventHandler;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.NonRetryableException;
import dev.chorus.PublishOptions;
import dev.chorus.PublishReceipt;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.VirtualClock;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract every Chorus {@link Transport} must pass before it is considered production
 * ready, in the spirit of Watermill's shared pub/sub test suite. Each transport's test extends
 * this class and says how to obtain a transport:
 *
 * <pre>{@code
 * class InMemoryTransportContractTest extends TransportContractTest {
 *   private InMemoryTransport transport;
 *
 *   @BeforeEach
 *   void createTransport() {
 *     transport = InMemoryTransport.create();
 *   }
 *
 *   @AfterEach
 *   void closeTransport() {
 *     transport.close();
 *   }
 *
 *   @Override
 *   protected Transport transport() {
 *     return transport;
 *   }
 * }
 * }</pre>
 *
 * <p>The suite drives the transport only through {@link EventBus} (so it checks the engine and
 * the transport together, as users see them) and through the {@link Transport} SPI where it must
 * forge raw records, read dead-letter topics or look at committed offsets.
 *
 * <p><b>Shared backing stores.</b> The suite also runs against a store that outlives a test
 * method, such as a real Kafka broker reused across methods and runs. Topic names are fixed
 * ({@link #ORDERS_TOPIC}, {@link #PAYMENTS_TOPIC}, {@link #CHAINS_TOPIC}), so they may hold
 * history; every test therefore draws a fresh run id (a UUID), names its groups with it, puts it
 * in the {@code run} field of every event and in the {@link #RUN_HEADER} header of every record
 * it publishes, and counts only what belongs to its run. Dead-letter topics are named after the
 * groups, so they are unique per run. Records that could harm a later run that reads history
 * (undecodable bytes) are only ever written to {@link #PAYMENTS_TOPIC}, which the suite reads
 * from {@link StartPosition#LATEST} only.
 *
 * <p><b>Requirements on the transport under test.</b> It creates topics on demand (the
 * dead-letter topics are unique per run), with at least two partitions (competing subscriptions
 * must be able to share work), and keeps at least a few thousand records per partition.
 *
 * <p>Every wait is bounded by {@link #timeout()}; the suite never sleeps for a fixed time.
 * Retry backoff runs on a {@link VirtualClock}, so the delays the suite asserts are exact.
 * Test methods are not meant to run concurrently within one instance.
 */
public abstract class TransportContractTest {

  /** The topic of the order events: {@link OrderPlaced}, {@link OrderShipped}, {@link OrderCancelled}, {@link OrderAudited}. */
  public static final String ORDERS_TOPIC = "contract.orders";

  /**
   * The topic of {@link PaymentCaptured}. The suite writes undecodable records here, and reads
   * it only from {@link StartPosition#LATEST}.
   */
  public static final String PAYMENTS_TOPIC = "contract.payments";

  /** The topic of the correlation chain events: {@link ChainStarted}, {@link ChainContinued}, {@link ChainFinished}. */
  public static final String CHAINS_TOPIC = "contract.chains";

  /** The user header carrying the run id on every record the suite publishes or forges. */
  public static final String RUN_HEADER = "contract-run";

  private static final Instant PUBLISHED_AT = Instant.parse("2030-05-06T07:08:09.123Z");
  private static final Instant FORGED_AT = Instant.parse("2030-01-02T03:04:05.678Z");
  private static final String FORGED_SOURCE = "contract-forger";
  private static final Duration POLL = Duration.ofMillis(100);
  private static final int MAX_STACK_TRACE_BYTES = 8 * 1024;
  private static final RebalanceListener IGNORE_REBALANCES = new RebalanceListener() {
    @Override
    public void onRevoked(Collection<TopicPartition> partitions) {}

    @Override
    public void onAssigned(Map<TopicPartition, Long> positions) {}
  };

  private final List<EventBus> buses = new CopyOnWriteArrayList<>();
  private final AtomicInteger readers = new AtomicInteger();
  private String run;

  /**
   * Closes the buses right after the test method, before any {@code @AfterEach} method runs:
   * JUnit runs a subclass's {@code @AfterEach} (which typically closes the transport) before
   * this class's, and buses must be closed while their transport is still open.
   */
  @RegisterExtension
  final AfterTestExecutionCallback closeBusesBeforeTransport = context -> closeBuses();

  /** For subclasses. */
  protected TransportContractTest() {}

  /**
   * Returns a transport for one {@link EventBus} the suite builds, or for one direct use of the
   * SPI (sending a forged record, reading a dead-letter topic, reading committed offsets). Called
   * many times per test method; everything returned during one test method must see the same
   * topics, records, groups and committed offsets.
   *
   * <p>If {@link #busOwnsTransport()} is false, the suite never closes what this returns (return
   * the same instance every time and close it yourself after the test). If it is true, every
   * call must return a new instance, which the suite closes: through the bus it gave it to, or
   * itself after a direct use.
   *
   * @return the transport under test
   */
  protected abstract Transport transport();

  /**
   * Whether the suite owns, and so closes, every transport {@link #transport()} returns.
   * Default false: the subclass returns one shared instance and closes it itself.
   *
   * @return true if each call of {@link #transport()} returns a new instance the suite closes
   */
  protected boolean busOwnsTransport() {
    return false;
  }

  /**
   * The longest the suite waits for anything: a publish acknowledgement, {@code awaitIdle}, a
   * condition, a dead letter, a close. Default 30 seconds.
   *
   * @return the timeout
   */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  final void startRun() {
    run = UUID.randomUUID().toString();
  }

  @AfterEach
  final void closeRemainingBuses() {
    closeBuses();
  }

  // ---------------------------------------------------------------------------------------
  // 1. Fan-out to groups, with payload, key, headers and metadata intact
  // ---------------------------------------------------------------------------------------

  @Test
  void everyGroupReceivesEveryEventWithPayloadKeyAndHeadersIntact() {
    int total = 500;
    EventBus publisher = newPublisher();
    EventBus consumer = newBus("consumer");
    List<String> groups = List.of(group("audit"), group("billing"), group("shipping"));
    Map<String, Queue<Delivery<OrderPlaced>>> deliveries = new ConcurrentHashMap<>();
    for (String group : groups) {
      Queue<Delivery<OrderPlaced>> received = new ConcurrentLinkedQueue<>();
      deliveries.put(group, received);
      consumer.subscribe(OrderPlaced.class).group(group).handle((event, context) -> {
        if (ours(event)) {
          received.add(new Delivery<>(event, context.metadata(), context.group(), context.attempt()));
        }
      });
    }
    awaitIdle(consumer);

    List<OrderPlaced> events = placedOrders(0, total, 50);
    IntFunction<Map<String, String>> headersOf = seq -> Map.of(
        RUN_HEADER, run, "tenant", "tenant-" + (seq % 7), "trace-id", "trace-" + seq);
    List<PublishReceipt> receipts = publishAll(publisher, events, seq -> {
      PublishOptions options = PublishOptions.defaults();
      for (Map.Entry<String, String> header : headersOf.apply(seq).entrySet()) {
        options = options.header(header.getKey(), header.getValue());
      }
      return options;
    });
    assertThat(receipts).extracting(PublishReceipt::topic).containsOnly(ORDERS_TOPIC);
    assertThat(receipts).extracting(PublishReceipt::eventId).doesNotHaveDuplicates();

    awaitUntil(() -> groups.stream().allMatch(group -> deliveries.get(group).size() >= total),
        "each of " + groups.size() + " groups received " + total + " events");
    awaitIdle(consumer);

    for (String group : groups) {
      List<Delivery<OrderPlaced>> received = List.copyOf(deliveries.get(group));
      assertThat(received).as("deliveries to %s", group).hasSize(total);
      Map<Integer, Delivery<OrderPlaced>> bySeq = received.stream()
          .collect(Collectors.toMap(delivery -> delivery.event().seq(), delivery -> delivery));
      assertThat(bySeq.keySet()).as("sequence numbers received by %s", group).isEqualTo(rangeSet(0, total));
      for (int seq = 0; seq < total; seq++) {
        Delivery<OrderPlaced> delivery = bySeq.get(seq);
        OrderPlaced published = events.get(seq);
        EventMetadata metadata = delivery.metadata();
        assertThat(delivery.event()).as("payload of event %d in %s", seq, group).isEqualTo(published);
        assertThat(delivery.group()).isEqualTo(group);
        assertThat(delivery.attempt()).isEqualTo(1);
        assertThat(metadata.id()).as("id of event %d", seq).isEqualTo(receipts.get(seq).eventId());
        assertThat(metadata.type()).isEqualTo("contract.order-placed");
        assertThat(metadata.source()).isEqualTo("contract-publisher");
        assertThat(metadata.key()).isEqualTo(published.orderId());
        assertThat(metadata.headers()).as("user headers of event %d", seq).isEqualTo(headersOf.apply(seq));
        assertThat(metadata.time()).as("time of event %d (the publisher's clock)", seq).isEqualTo(PUBLISHED_AT);
        assertThat(metadata.correlationId()).as("a root event correlates to itself").isEqualTo(metadata.id());
        assertThat(metadata.causationId()).as("a root event has no cause").isNull();
      }
      assertPerKeyOrder(perKey(received.stream().map(Delivery::event).toList()), perKey(events));
    }
  }

  // ---------------------------------------------------------------------------------------
  // 2. Competing subscriptions of one group
  // ---------------------------------------------------------------------------------------

  @Test
  void competingSubscriptionsOfOneGroupShareTheEventsWithoutDuplicates() {
    int total = 1_000;
    EventBus publisher = newPublisher();
    EventBus first = newBus("worker-a");
    EventBus second = newBus("worker-b");
    String group = group("competing");
    List<Queue<Integer>> bySubscription = new ArrayList<>();
    Queue<String> wrongGroups = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < 4; i++) {
      Queue<Integer> received = new ConcurrentLinkedQueue<>();
      bySubscription.add(received);
      (i < 2 ? first : second).subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST)
          .handle((event, context) -> {
            if (ours(event)) {
              if (!context.group().equals(group)) {
                wrongGroups.add(context.group());
              }
              received.add(event.seq());
            }
          });
    }
    awaitIdle(first, second);

    publishAll(publisher, placedOrders(0, total, 100));
    awaitUntil(() -> bySubscription.stream().mapToInt(Queue::size).sum() >= total,
        total + " events handled by the group");
    awaitIdle(first, second);

    assertThat(wrongGroups).as("groups reported by EventContext.group()").isEmpty();
    List<Integer> union = bySubscription.stream().flatMap(Collection::stream).toList();
    assertThat(union).as("events handled by the 4 subscriptions together").hasSize(total).doesNotHaveDuplicates();
    assertThat(new HashSet<>(union)).isEqualTo(rangeSet(0, total));
    assertThat(bySubscription.stream().filter(received -> !received.isEmpty()).count())
        .as("subscriptions that got a share (sizes %s)", bySubscription.stream().map(Queue::size).toList())
        .isGreaterThan(1);
  }

  // ---------------------------------------------------------------------------------------
  // 3. Per-key order under competition and concurrency
  // ---------------------------------------------------------------------------------------

  @Test
  void eventsOfOneKeyAreHandledInPublishOrderAcrossCompetingConcurrentSubscriptions() {
    int total = 2_000;
    int concurrency = 4;
    EventBus publisher = newPublisher();
    String group = group("ordered");
    Map<String, Queue<Integer>> handled = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> inFlightPerKey = new ConcurrentHashMap<>();
    AtomicInteger sameKeyOverlaps = new AtomicInteger();
    List<AtomicInteger> maxInFlight = new ArrayList<>();
    List<EventBus> consumers = new ArrayList<>();
    for (int b = 0; b < 5; b++) {
      EventBus bus = newBus("worker-" + b);
      consumers.add(bus);
      for (int s = 0; s < 2; s++) {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        maxInFlight.add(max);
        bus.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).concurrency(concurrency)
            .handle((event, context) -> {
              if (!ours(event)) {
                return;
              }
              max.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              AtomicInteger ofKey = inFlightPerKey.computeIfAbsent(event.orderId(), key -> new AtomicInteger());
              if (ofKey.incrementAndGet() > 1) {
                sameKeyOverlaps.incrementAndGet();
              }
              try {
                Thread.yield(); // widen the window in which a second event of the key could slip in
                append(handled, event.orderId(), event.seq());
              } finally {
                ofKey.decrementAndGet();
                inFlight.decrementAndGet();
              }
            });
      }
    }
    EventBus[] all = consumers.toArray(EventBus[]::new);
    awaitIdle(all);

    List<OrderPlaced> events = placedOrders(0, total, 16);
    publishAll(publisher, events);
    awaitUntil(() -> count(handled) >= total, total + " events handled");
    awaitIdle(all);

    assertThat(count(handled)).isEqualTo(total);
    assertThat(sameKeyOverlaps.get()).as("times two events of one key were handled at once").isZero();
    assertThat(maxInFlight).as("most events in flight per subscription")
        .allSatisfy(max -> assertThat(max.get()).isLessThanOrEqualTo(concurrency));
    assertPerKeyOrder(snapshot(handled), perKey(events));
  }

  // ---------------------------------------------------------------------------------------
  // 4. Retry, then success
  // ---------------------------------------------------------------------------------------

  @Test
  void failingHandlerIsRetriedWithExponentialBackoffUntilItSucceeds() {
    int total = 100;
    EventBus publisher = newPublisher();
    Recorder recorder = new Recorder();
    EventBus consumer = newBus("consumer", VirtualClock.autoAdvancing(), recorder);
    String group = group("flaky");
    Map<Integer, Queue<Integer>> attemptsBySeq = new ConcurrentHashMap<>();
    Map<Integer, Queue<String>> idsBySeq = new ConcurrentHashMap<>();
    Map<String, Queue<Integer>> succeeded = new ConcurrentHashMap<>();
    // Default policies on purpose: exponential(3, 100 ms), dead-letter topic.
    consumer.subscribe(OrderPlaced.class).group(group).handle((event, context) -> {
      if (!ours(event)) {
        return;
      }
      append(attemptsBySeq, event.seq(), context.attempt());
      append(idsBySeq, event.seq(), context.metadata().id());
      if (context.attempt() < 3) {
        throw new IllegalStateException("transient failure " + context.attempt() + " of order " + event.seq());
      }
      append(succeeded, event.orderId(), event.seq());
    });
    awaitIdle(consumer);

    List<OrderPlaced> events = placedOrders(0, total, 10);
    List<PublishReceipt> receipts = publishAll(publisher, events);
    awaitUntil(() -> count(succeeded) >= total, total + " events handled on their third attempt");
    awaitIdle(consumer);

    assertThat(count(attemptsBySeq)).as("handler calls").isEqualTo(3 * total);
    for (int seq = 0; seq < total; seq++) {
      String id = receipts.get(seq).eventId();
      assertThat(attemptsBySeq.get(seq)).as("attempts of event %d", seq).containsExactly(1, 2, 3);
      assertThat(idsBySeq.get(seq)).as("metadata id on every attempt of event %d", seq).containsOnly(id);
      List<RetryScheduled> retries = recorder.retries.stream().filter(retry -> retry.metadata().id().equals(id))
          .sorted((a, b) -> Integer.compare(a.attempt(), b.attempt())).toList();
      assertThat(retries).as("retries scheduled for event %d", seq).hasSize(2);
      assertThat(retries).extracting(RetryScheduled::attempt).containsExactly(1, 2);
      assertThat(retries).extracting(RetryScheduled::delay)
          .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
      assertThat(retries).extracting(RetryScheduled::group).containsOnly(group);
      for (RetryScheduled retry : retries) {
        assertThat(retry.cause()).isInstanceOf(IllegalStateException.class)
            .hasMessage("transient failure " + retry.attempt() + " of order " + seq);
      }
    }
    assertThat(recorder.retries).as("retries scheduled in all").hasSize(2 * total);
    assertThat(recorder.handled).as("successful handlings reported").hasSize(total)
        .allSatisfy(handled -> {
          assertThat(handled.attempt()).isEqualTo(3);
          assertThat(handled.group()).isEqualTo(group);
        });
    assertThat(recorder.handled.stream().map(handled -> handled.metadata().id()).collect(Collectors.toSet()))
        .isEqualTo(receipts.stream().map(PublishReceipt::eventId).collect(Collectors.toSet()));
    assertThat(recorder.deadLettered).as("dead letters").isEmpty();
    assertThat(recordCount(deadLetterTopic(ORDERS_TOPIC, group))).as("records on the dead-letter topic").isZero();
    assertPerKeyOrder(snapshot(succeeded), perKey(events));
  }

  // ---------------------------------------------------------------------------------------
  // 5. Exhausted attempts: complete dead letters
  // ---------------------------------------------------------------------------------------

  @Test
  void exhaustedAttemptsProduceOneCompleteDeadLetterPerFailedEvent() {
    int total = 500;
    EventBus publisher = newPublisher();
    Recorder recorder = new Recorder();
    VirtualClock clock = VirtualClock.autoAdvancing();
    Instant clockStart = clock.instant();
    EventBus consumer = newBus("consumer", clock, recorder);
    String group = group("exhausted");
    // Every fifth event has the key "mixed", and every fourth of those always fails. Failing
    // events share one key, so one backoff timer runs at a time and the virtual times are exact.
    List<OrderPlaced> events = IntStream.range(0, total)
        .mapToObj(seq -> new OrderPlaced(run, seq % 5 == 0 ? "mixed" : orderKey(seq, 20), seq, 100L * seq))
        .toList();
    Set<Integer> failing = IntStream.range(0, total).filter(seq -> seq % 5 == 0 && (seq / 5) % 4 == 1)
        .boxed().collect(Collectors.toCollection(TreeSet::new));
    assertThat(failing).hasSize(25);
    Map<Integer, Queue<Integer>> attemptsBySeq = new ConcurrentHashMap<>();
    Map<String, Queue<Integer>> succeeded = new ConcurrentHashMap<>();
    consumer.subscribe(OrderPlaced.class).group(group).retry(RetryPolicy.fixed(4, Duration.ofSeconds(2)))
        .handle((event, context) -> {
          if (!ours(event)) {
            return;
          }
          append(attemptsBySeq, event.seq(), context.attempt());
          if (failing.contains(event.seq())) {
            // The cause's long message makes the full stack trace far longer than 8 KiB.
            throw new IllegalStateException("rejected order " + event.seq(),
                new IllegalArgumentException("x".repeat(20_000)));
          }
          append(succeeded, event.orderId(), event.seq());
        });
    awaitIdle(consumer);

    List<PublishReceipt> receipts = publishAll(publisher, events,
        seq -> PublishOptions.defaults().header(RUN_HEADER, run).header("tenant", "acme"));
    String dlt = deadLetterTopic(ORDERS_TOPIC, group);
    awaitUntil(() -> count(succeeded) >= total - failing.size() && recorder.deadLettered.size() >= failing.size(),
        (total - failing.size()) + " events handled and " + failing.size() + " dead-lettered");
    awaitIdle(consumer);

    for (int seq = 0; seq < total; seq++) {
      assertThat(attemptsBySeq.get(seq)).as("attempts of event %d", seq)
          .containsExactlyElementsOf(failing.contains(seq) ? List.of(1, 2, 3, 4) : List.of(1));
    }
    List<OrderPlaced> succeeding = events.stream().filter(event -> !failing.contains(event.seq())).toList();
    assertPerKeyOrder(snapshot(succeeded), perKey(succeeding));
    for (int seq : failing) {
      String id = receipts.get(seq).eventId();
      assertThat(recorder.retries.stream().filter(retry -> retry.metadata().id().equals(id))
          .sorted((a, b) -> Integer.compare(a.attempt(), b.attempt())).toList())
          .as("retries scheduled for event %d", seq)
          .extracting(RetryScheduled::attempt, RetryScheduled::delay)
          .containsExactly(
              tuple(1, Duration.ofSeconds(2)), tuple(2, Duration.ofSeconds(2)), tuple(3, Duration.ofSeconds(2)));
    }

    List<DeadLetter> reported = recorder.deadLettered.stream().map(DeadLettered::deadLetter).toList();
    assertThat(recorder.deadLettered).extracting(DeadLettered::topic).containsOnly(dlt);
    assertThat(reported).hasSize(failing.size());
    List<DeadLetter> readBack = readDeadLetters(dlt, failing.size());
    assertThat(readBack).as("dead letters read back from %s", dlt).containsExactlyInAnyOrderElementsOf(reported);
    assertThat(readBack).as("dead letters of one key, in publish order")
        .extracting(deadLetter -> deadLetter.payload(OrderPlaced.class).seq())
        .containsExactlyElementsOf(failing);

    for (DeadLetter deadLetter : readBack) {
      OrderPlaced original = deadLetter.payload(OrderPlaced.class);
      int seq = original.seq();
      PublishReceipt receipt = receipts.get(seq);
      assertThat(original).as("decoded payload of dead letter %d", seq).isEqualTo(events.get(seq));
      EventMetadata metadata = deadLetter.metadata();
      assertThat(metadata.id()).isEqualTo(receipt.eventId());
      assertThat(metadata.type()).isEqualTo("contract.order-placed");
      assertThat(metadata.source()).isEqualTo("contract-publisher");
      assertThat(metadata.key()).isEqualTo("mixed");
      assertThat(metadata.time()).isEqualTo(PUBLISHED_AT);
      assertThat(metadata.correlationId()).isEqualTo(receipt.eventId());
      assertThat(metadata.causationId()).isNull();
      assertThat(metadata.headers()).isEqualTo(Map.of(RUN_HEADER, run, "tenant", "acme"));
      assertThat(deadLetter.group()).isEqualTo(group);
      assertThat(deadLetter.topic()).isEqualTo(ORDERS_TOPIC);
      assertThat(deadLetter.partition()).isEqualTo(receipt.partition()).isNotNegative();
      assertThat(deadLetter.offset()).isEqualTo(receipt.offset()).isNotNegative();
      DeadLetter.Failure failure = deadLetter.failure();
      assertThat(failure.reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
      assertThat(failure.exceptionClass()).isEqualTo(IllegalStateException.class.getName());
      assertThat(failure.message()).isEqualTo("rejected order " + seq);
      assertThat(failure.stackTrace()).isNotBlank().contains(IllegalStateException.class.getName());
      assertThat(failure.stackTrace().getBytes(UTF_8).length).as("stack trace bytes")
          .isLessThanOrEqualTo(MAX_STACK_TRACE_BYTES);
      assertThat(failure.attempts()).isEqualTo(4);
      assertThat(failure.firstFailure()).isAfterOrEqualTo(clockStart).isBefore(failure.lastFailure());
      assertThat(Duration.between(failure.firstFailure(), failure.lastFailure()))
          .as("time from first to last failure: three backoffs of 2 s").isEqualTo(Duration.ofSeconds(6));
    }
  }

  // ---------------------------------------------------------------------------------------
  // 6. Failures that are not retried
  // ---------------------------------------------------------------------------------------

  @Test
  void nonRetryableExceptionIsDeadLetteredAfterOneAttempt() {
    assertNotRetried("non-retryable", RetryPolicy.exponential(5, Duration.ofSeconds(1)),
        seq -> new NonRetryableException("invalid order " + seq), NonRetryableException.class,
        DeadLetter.Reason.NON_RETRYABLE);
  }

  @Test
  void abortOnExceptionIsDeadLetteredAfterOneAttemptEvenWhenRetryOnMatches() {
    assertNotRetried("aborting",
        RetryPolicy.exponential(5, Duration.ofSeconds(1)).retryOn(RuntimeException.class)
            .abortOn(IllegalArgumentException.class),
        seq -> new IllegalArgumentException("bad amount in order " + seq), IllegalArgumentException.class,
        DeadLetter.Reason.NON_RETRYABLE);
  }

  private void assertNotRetried(String name, RetryPolicy policy, IntFunction<RuntimeException> failure,
      Class<? extends RuntimeException> failureClass, DeadLetter.Reason reason) {
    int total = 200;
    EventBus publisher = newPublisher();
    Recorder recorder = new Recorder();
    EventBus consumer = newBus("consumer", VirtualClock.autoAdvancing(), recorder);
    String group = group(name);
    Map<Integer, Queue<Integer>> attemptsBySeq = new ConcurrentHashMap<>();
    Map<String, Queue<Integer>> succeeded = new ConcurrentHashMap<>();
    consumer.subscribe(OrderPlaced.class).group(group).retry(policy).handle((event, context) -> {
      if (!ours(event)) {
        return;
      }
      append(attemptsBySeq, event.seq(), context.attempt());
      if (event.seq() % 10 == 0) {
        throw failure.apply(event.seq());
      }
      append(succeeded, event.orderId(), event.seq());
    });
    awaitIdle(consumer);

    List<OrderPlaced> events = placedOrders(0, total, 20);
    List<PublishReceipt> receipts = publishAll(publisher, events);
    int failed = total / 10;
    String dlt = deadLetterTopic(ORDERS_TOPIC, group);
    awaitUntil(() -> count(succeeded) >= total - failed && recorder.deadLettered.size() >= failed,
        (total - failed) + " events handled and " + failed + " dead-lettered");
    awaitIdle(consumer);

    for (int seq = 0; seq < total; seq++) {
      assertThat(attemptsBySeq.get(seq)).as("attempts of event %d", seq).containsExactly(1);
    }
    assertThat(recorder.retries).as("retries scheduled").isEmpty();
    assertPerKeyOrder(snapshot(succeeded), perKey(events.stream().filter(event -> event.seq() % 10 != 0).toList()));

    List<DeadLetter> reported = recorder.deadLettered.stream().map(DeadLettered::deadLetter).toList();
    assertThat(recorder.deadLettered).extracting(DeadLettered::topic).containsOnly(dlt);
    List<DeadLetter> readBack = readDeadLetters(dlt, failed);
    assertThat(readBack).containsExactlyInAnyOrderElementsOf(reported);
    assertThat(readBack).extracting(deadLetter -> deadLetter.payload(OrderPlaced.class).seq())
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, total).filter(seq -> seq % 10 == 0).boxed().toList());
    for (DeadLetter deadLetter : readBack) {
      int seq = deadLetter.payload(OrderPlaced.class).seq();
      PublishReceipt receipt = receipts.get(seq);
      assertThat(deadLetter.payload(OrderPlaced.class)).isEqualTo(events.get(seq));
      assertThat(deadLetter.metadata().id()).isEqualTo(receipt.eventId());
      assertThat(deadLetter.metadata().key()).isEqualTo(events.get(seq).orderId());
      assertThat(deadLetter.group()).isEqualTo(group);
      assertThat(deadLetter.topic()).isEqualTo(ORDERS_TOPIC);
      assertThat(deadLetter.partition()).isEqualTo(receipt.partition());
      assertThat(deadLetter.offset()).isEqualTo(receipt.offset());
      DeadLetter.Failure info = deadLetter.failure();
      assertThat(info.reason()).isEqualTo(reason);
      assertThat(info.exceptionClass()).isEqualTo(failureClass.getName());
      assertThat(info.message()).isEqualTo(failure.apply(seq).getMessage());
      assertThat(info.stackTrace()).isNotBlank().contains(failureClass.getName());
      assertThat(info.attempts()).isEqualTo(1);
      assertThat(info.firstFailure()).isEqualTo(info.lastFailure());
    }
  }

  // ---------------------------------------------------------------------------------------
  // 7. Poison records
  // ---------------------------------------------------------------------------------------

  @Test
  void undecodableRecordsAreDeadLetteredWithoutCallingTheHandlerOrStallingTheKey() {
    EventBus publisher = newPublisher();
    Recorder recorder = new Recorder();
    EventBus consumer = newBus("consumer", Clock.systemUTC(), recorder);
    String group = group("poison");
    String key = "payment-1";
    Queue<Integer> handled = new ConcurrentLinkedQueue<>();
    consumer.subscribe(PaymentCaptured.class).group(group).handle((event, context) -> {
      if (ours(event)) {
        handled.add(event.seq());
      }
    });
    awaitIdle(consumer);

    List<PaymentCaptured> before = IntStream.range(0, 100)
        .mapToObj(seq -> new PaymentCaptured(run, key, seq, 10L * seq)).toList();
    List<PaymentCaptured> after = IntStream.range(100, 200)
        .mapToObj(seq -> new PaymentCaptured(run, key, seq, 10L * seq)).toList();
    publishAll(publisher, before);

    // Bytes that are no JSON at all, under a subscribed type.
    byte[] garbage = "\u0000\u00ff{\"run\": not json at all".getBytes(UTF_8);
    String garbageId = UUID.randomUUID().toString();
    Map<String, String> garbageHeaders = cloudEventHeaders(garbageId, "contract.payment-captured", FORGED_AT);
    RecordPosition garbageAt = send(new OutgoingRecord(PAYMENTS_TOPIC, key, garbage, utf8(garbageHeaders)));

    // A valid payload whose required ce_id header is missing; seq -1 must never reach the handler.
    byte[] anonymous = ("{\"run\":\"" + run + "\",\"paymentId\":\"" + key + "\",\"seq\":-1,\"amountCents\":5}")
        .getBytes(UTF_8);
    Map<String, String> anonymousHeaders = cloudEventHeaders("unused", "contract.payment-captured", FORGED_AT);
    anonymousHeaders.remove("ce_id");
    RecordPosition anonymousAt = send(new OutgoingRecord(PAYMENTS_TOPIC, key, anonymous, utf8(anonymousHeaders)));

    publishAll(publisher, after);
    awaitUntil(() -> handled.size() >= 200 && recorder.deadLettered.size() >= 2,
        "200 events handled and 2 poison records dead-lettered");
    awaitIdle(consumer);

    assertThat(List.copyOf(handled)).as("events handled, in order, around the poison records")
        .containsExactlyElementsOf(range(0, 200));
    String dlt = deadLetterTopic(PAYMENTS_TOPIC, group);
    assertThat(recorder.deadLettered).extracting(DeadLettered::topic).containsOnly(dlt);
    List<DeadLetter> readBack = readDeadLetters(dlt, 2);
    assertThat(readBack).containsExactlyInAnyOrderElementsOf(
        recorder.deadLettered.stream().map(DeadLettered::deadLetter).toList());
    // Poison records go to the dead-letter topic "at once": their order there is not promised.
    assertThat(readBack).extracting(DeadLetter::offset)
        .containsExactlyInAnyOrder(garbageAt.offset(), anonymousAt.offset());
    Map<Long, DeadLetter> byOffset = readBack.stream()
        .collect(Collectors.toMap(DeadLetter::offset, deadLetter -> deadLetter));

    DeadLetter undecodable = byOffset.get(garbageAt.offset());
    assertThat(undecodable.payload()).as("payload bytes as sent").isEqualTo(garbage);
    assertThat(undecodable.metadata()).isEqualTo(new EventMetadata(garbageId, "contract.payment-captured",
        FORGED_SOURCE, FORGED_AT, key, garbageId, null, Map.of(RUN_HEADER, run)));
    assertThat(undecodable.group()).isEqualTo(group);
    assertThat(undecodable.topic()).isEqualTo(PAYMENTS_TOPIC);
    assertThat(undecodable.partition()).isEqualTo(garbageAt.partition());
    assertThat(undecodable.offset()).isEqualTo(garbageAt.offset());
    assertThat(undecodable.failure().reason()).isEqualTo(DeadLetter.Reason.UNDECODABLE);
    assertThat(undecodable.failure().attempts()).isZero();
    assertThat(undecodable.failure().exceptionClass()).isNotBlank();
    assertThat(undecodable.failure().stackTrace().getBytes(UTF_8).length).isLessThanOrEqualTo(MAX_STACK_TRACE_BYTES);
    assertThat(undecodable.failure().firstFailure()).isEqualTo(undecodable.failure().lastFailure());

    DeadLetter missingId = byOffset.get(anonymousAt.offset());
    assertThat(missingId.payload()).isEqualTo(anonymous);
    assertThat(missingId.metadata().id()).as("id of a record without ce_id").isNull();
    assertThat(missingId.metadata().type()).isEqualTo("contract.payment-captured");
    assertThat(missingId.metadata().key()).isEqualTo(key);
    assertThat(missingId.metadata().headers()).isEqualTo(Map.of(RUN_HEADER, run));
    assertThat(missingId.partition()).isEqualTo(anonymousAt.partition());
    assertThat(missingId.failure().reason()).isEqualTo(DeadLetter.Reason.UNDECODABLE);
    assertThat(missingId.failure().attempts()).isZero();
  }

  // ---------------------------------------------------------------------------------------
  // 8. Stopping at a failed event
  // ---------------------------------------------------------------------------------------

  @Test
  void stopSubscriptionPolicyStopsAtTheFailedEventAndCommitsNothingPastIt() {
    int total = 100;
    int poisoned = 40;
    EventBus publisher = newPublisher();
    Recorder recorder = new Recorder();
    VirtualClock clock = VirtualClock.autoAdvancing();
    EventBus first = newBus("first", clock, recorder);
    String group = group("stopping");
    Queue<Integer> handled = new ConcurrentLinkedQueue<>();
    Queue<Integer> poisonedAttempts = new ConcurrentLinkedQueue<>();
    Subscription subscription = first.subscribe(OrderPlaced.class).group(group)
        .retry(RetryPolicy.fixed(2, Duration.ofSeconds(1))).deadLetter(DeadLetterPolicy.stopSubscription())
        .handle((event, context) -> {
          if (!ours(event)) {
            return;
          }
          if (event.seq() == poisoned) {
            poisonedAttempts.add(context.attempt());
            throw new IllegalStateException("cannot handle order " + poisoned);
          }
          handled.add(event.seq());
        });
    awaitIdle(first);

    // One key, so one partition: everything after the failed event waits behind it.
    List<OrderPlaced> events = IntStream.range(0, total)
        .mapToObj(seq -> new OrderPlaced(run, "order-stop", seq, seq)).toList();
    List<PublishReceipt> receipts = publishAll(publisher, events);
    PublishReceipt failedAt = receipts.get(poisoned);
    awaitUntil(() -> subscription.state() == Subscription.State.FAILED, "the subscription to fail");
    awaitUntil(() -> recorder.subscriptionFailures.size() >= 1, "onSubscriptionFailed");
    first.close();

    assertThat(subscription.state()).as("state after closing the bus").isEqualTo(Subscription.State.FAILED);
    assertThat(List.copyOf(handled)).as("events handled before the failed one").containsExactlyElementsOf(range(0, poisoned));
    assertThat(List.copyOf(poisonedAttempts)).as("attempts of the failed event").containsExactly(1, 2);
    assertThat(recorder.subscriptionFailures).hasSize(1);
    DeadLetter stoppedAt = recorder.subscriptionFailures.peek();
    assertThat(stoppedAt.metadata().id()).isEqualTo(failedAt.eventId());
    assertThat(stoppedAt.payload(OrderPlaced.class)).isEqualTo(events.get(poisoned));
    assertThat(stoppedAt.group()).isEqualTo(group);
    assertThat(stoppedAt.topic()).isEqualTo(ORDERS_TOPIC);
    assertThat(stoppedAt.partition()).isEqualTo(failedAt.partition());
    assertThat(stoppedAt.offset()).isEqualTo(failedAt.offset());
    assertThat(stoppedAt.failure().reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
    assertThat(stoppedAt.failure().attempts()).isEqualTo(2);
    assertThat(stoppedAt.failure().message()).isEqualTo("cannot handle order " + poisoned);
    assertThat(Duration.between(stoppedAt.failure().firstFailure(), stoppedAt.failure().lastFailure()))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(recorder.deadLettered).as("dead letters written").isEmpty();
    assertThat(recorder.discarded).as("events discarded").isEmpty();
    assertThat(recordCount(deadLetterTopic(ORDERS_TOPIC, group))).as("records on the dead-letter topic").isZero();

    TopicPartition partition = new TopicPartition(ORDERS_TOPIC, failedAt.partition());
    Long committed = withTransport(transport -> transport.committedOffsets(group, List.of(ORDERS_TOPIC)))
        .get(partition);
    if (committed != null) {
      assertThat(committed).as("committed offset of %s", partition).isLessThanOrEqualTo(failedAt.offset());
    }

    // Skips nothing: the group resumes at (or before) the failed event.
    EventBus second = newBus("second");
    Queue<Integer> resumed = new ConcurrentLinkedQueue<>();
    second.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).handle((event, context) -> {
      if (ours(event)) {
        resumed.add(event.seq());
      }
    });
    awaitUntil(() -> resumed.contains(total - 1), "the restarted group to reach the last event");
    awaitIdle(second);
    List<Integer> resumedSeqs = List.copyOf(resumed);
    assertThat(resumedSeqs.get(0)).as("first event handled after the restart").isLessThanOrEqualTo(poisoned);
    assertThat(resumedSeqs).as("events handled after the restart")
        .containsExactlyElementsOf(range(resumedSeqs.get(0), total));
  }

  @Test
  void stopSubscriptionPolicyStopsEveryKeyAtTheFailedEventWithBatchesWaiting() {
    int total = 600;
    int poisoned = 250;
    EventBus publisher = newPublisher();
    EventBus bus = newBus("stop-all-keys");
    String group = group("stopping-all-keys");
    List<Integer> invocations = Collections.synchronizedList(new ArrayList<>());
    Subscription subscription = bus.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST)
        .retry(RetryPolicy.none()).deadLetter(DeadLetterPolicy.stopSubscription())
        .handle((event, context) -> {
          if (!ours(event)) {
            return;
          }
          invocations.add(event.seq());
          if (event.seq() == poisoned) {
            throw new IllegalStateException("cannot handle order " + poisoned);
          }
        });
    awaitIdle(bus);

    // Many keys, so that events of other keys are ready (and handed out in batches) when it fails.
    publishAll(publisher, placedOrders(0, total, 60));
    awaitUntil(() -> subscription.state() == Subscription.State.FAILED, "the subscription to fail");
    bus.close();

    assertThat(invocations).as("handler calls").contains(poisoned);
    assertThat(invocations.get(invocations.size() - 1)).as("the last handler call (nothing runs after the failure)")
        .isEqualTo(poisoned);
    assertThat(invocations).as("handler calls").doesNotHaveDuplicates();
  }

  // ---------------------------------------------------------------------------------------
  // 9. Start positions of a new group
  // ---------------------------------------------------------------------------------------

  @Test
  void newGroupStartingFromEarliestSeesAllHistoryAndFromLatestOnlyNewEvents() {
    int history = 300;
    int fresh = 200;
    EventBus publisher = newPublisher();
    List<OrderPlaced> old = placedOrders(0, history, 10);
    publishAll(publisher, old);

    EventBus late = newBus("late");
    Map<String, Queue<Integer>> earliest = new ConcurrentHashMap<>();
    Map<String, Queue<Integer>> latest = new ConcurrentHashMap<>();
    late.subscribe(OrderPlaced.class).group(group("from-earliest")).startFrom(StartPosition.EARLIEST)
        .handle((event, context) -> {
          if (ours(event)) {
            append(earliest, event.orderId(), event.seq());
          }
        });
    late.subscribe(OrderPlaced.class).group(group("from-latest")).startFrom(StartPosition.LATEST)
        .handle((event, context) -> {
          if (ours(event)) {
            append(latest, event.orderId(), event.seq());
          }
        });
    awaitIdle(late);

    assertThat(count(earliest)).as("history seen by the EARLIEST group").isEqualTo(history);
    assertPerKeyOrder(snapshot(earliest), perKey(old));
    assertThat(count(latest)).as("history seen by the LATEST group").isZero();

    List<OrderPlaced> recent = placedOrders(history, fresh, 10);
    publishAll(publisher, recent);
    awaitUntil(() -> count(earliest) >= history + fresh && count(latest) >= fresh,
        "both groups to handle the " + fresh + " new events");
    awaitIdle(late);

    List<OrderPlaced> everything = new ArrayList<>(old);
    everything.addAll(recent);
    assertThat(count(earliest)).isEqualTo(history + fresh);
    assertPerKeyOrder(snapshot(earliest), perKey(everything));
    assertThat(count(latest)).isEqualTo(fresh);
    assertPerKeyOrder(snapshot(latest), perKey(recent));
  }

  // ---------------------------------------------------------------------------------------
  // 10. Membership churn
  // ---------------------------------------------------------------------------------------

  @Test
  void closingAndReopeningSubscriptionsWhilePublishingLosesAndDuplicatesNothing() {
    int cycles = 20;
    int perCycle = 100;
    int total = cycles * perCycle;
    EventBus publisher = newPublisher();
    EventBus stable = newBus("stable");
    EventBus churning = newBus("churning");
    String group = group("churn");
    Map<Integer, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    Map<String, Queue<Integer>> handled = new ConcurrentHashMap<>();
    EventHandler<OrderPlaced> handler = (event, context) -> {
      if (ours(event)) {
        deliveries.computeIfAbsent(event.seq(), seq -> new AtomicInteger()).incrementAndGet();
        append(handled, event.orderId(), event.seq());
      }
    };
    stable.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).concurrency(4).handle(handler);
    awaitIdle(stable);

    List<OrderPlaced> events = placedOrders(0, total, 32);
    List<CompletableFuture<PublishReceipt>> pending = new ArrayList<>();
    for (int cycle = 0; cycle < cycles; cycle++) {
      Subscription member = churning.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST)
          .concurrency(4).handle(handler);
      for (OrderPlaced event : events.subList(cycle * perCycle, (cycle + 1) * perCycle)) {
        pending.add(publisher.publish(event, tagged()));
      }
      int target = cycle * perCycle + perCycle / 2;
      awaitUntil(() -> deliveries.size() >= target, "half of batch " + cycle + " handled");
      member.close();
      assertThat(member.state()).isEqualTo(Subscription.State.CLOSED);
    }
    await(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)), "publishing " + total + " events");
    awaitUntil(() -> deliveries.size() >= total, total + " events handled");
    awaitIdle(stable, churning);

    assertThat(new TreeSet<>(deliveries.keySet())).as("events handled").isEqualTo(rangeSet(0, total));
    Map<Integer, Integer> duplicated = deliveries.entrySet().stream().filter(entry -> entry.getValue().get() != 1)
        .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().get()));
    assertThat(duplicated).as("events handled more than once, with their counts").isEmpty();
    assertPerKeyOrder(snapshot(handled), perKey(events));
  }

  // ---------------------------------------------------------------------------------------
  // 11. Graceful close with events in flight
  // ---------------------------------------------------------------------------------------

  @Test
  void closeFinishesInFlightHandlersAndAnotherBusHandlesExactlyTheRest() throws InterruptedException {
    int total = 400;
    int concurrency = 4;
    EventBus publisher = newPublisher();
    EventBus first = newBus("first");
    String group = group("draining");
    CountDownLatch gate = new CountDownLatch(1);
    Queue<Integer> started = new ConcurrentLinkedQueue<>();
    Queue<Integer> completed = new ConcurrentLinkedQueue<>();
    Map<String, Queue<Integer>> firstPerKey = new ConcurrentHashMap<>();
    AtomicBoolean gateTimedOut = new AtomicBoolean();
    AtomicBoolean interrupted = new AtomicBoolean();
    first.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).concurrency(concurrency)
        .handle((event, context) -> {
          if (!ours(event)) {
            return;
          }
          started.add(event.seq());
          try {
            if (!gate.await(timeout().toMillis(), MILLISECONDS)) {
              gateTimedOut.set(true);
            }
          } catch (InterruptedException e) {
            interrupted.set(true);
            Thread.currentThread().interrupt();
            throw e;
          }
          append(firstPerKey, event.orderId(), event.seq());
          completed.add(event.seq());
        });
    awaitIdle(first);

    List<OrderPlaced> events = placedOrders(0, total, 16);
    publishAll(publisher, events);
    awaitUntil(() -> started.size() >= concurrency, concurrency + " handlers in flight");

    AtomicReference<Throwable> closeFailure = new AtomicReference<>();
    Thread closer = new Thread(first::close, "contract-closer");
    closer.setUncaughtExceptionHandler((thread, failure) -> closeFailure.set(failure));
    closer.start();
    awaitUntil(() -> switch (closer.getState()) {
      case WAITING, TIMED_WAITING, BLOCKED, TERMINATED -> true;
      default -> false;
    }, "close() to block on the in-flight handlers");
    assertThat(closer.isAlive()).as("close() returned while handlers were still running").isTrue();
    assertThat(started).as("handlers started while the gate was shut").hasSize(concurrency);
    assertThat(completed).isEmpty();

    gate.countDown();
    closer.join(timeout().toMillis());
    assertThat(closer.isAlive()).as("close() still running after %s", timeout()).isFalse();
    assertThat(closeFailure.get()).as("failure of close()").isNull();
    assertThat(gateTimedOut.get()).as("a handler waited out the gate").isFalse();
    assertThat(interrupted.get()).as("close() interrupted a running handler").isFalse();
    List<Integer> startedByFirst = List.copyOf(started);
    List<Integer> completedByFirst = List.copyOf(completed);
    assertThat(startedByFirst).as("events started by the closed bus").doesNotHaveDuplicates();
    assertThat(completedByFirst).as("every started handler call completed")
        .containsExactlyInAnyOrderElementsOf(startedByFirst);
    assertThat(completedByFirst.size()).as("events handled before close() took effect").isLessThan(total);

    EventBus second = newBus("second");
    Queue<Integer> handledBySecond = new ConcurrentLinkedQueue<>();
    Map<String, Queue<Integer>> secondPerKey = new ConcurrentHashMap<>();
    second.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).concurrency(concurrency)
        .handle((event, context) -> {
          if (ours(event)) {
            handledBySecond.add(event.seq());
            append(secondPerKey, event.orderId(), event.seq());
          }
        });
    awaitUntil(() -> completedByFirst.size() + handledBySecond.size() >= total, "the rest handled by a new bus");
    awaitIdle(second);

    assertThat(started).as("events started by the first bus after close()").hasSize(startedByFirst.size());
    List<Integer> rest = List.copyOf(handledBySecond);
    assertThat(rest).as("events handled by the new bus").doesNotHaveDuplicates()
        .doesNotContainAnyElementsOf(completedByFirst);
    Set<Integer> union = new TreeSet<>(completedByFirst);
    union.addAll(rest);
    assertThat(union).isEqualTo(rangeSet(0, total));
    Map<String, List<Integer>> combined = new TreeMap<>(snapshot(firstPerKey));
    snapshot(secondPerKey).forEach((key, seqs) -> {
      List<Integer> all = new ArrayList<>(combined.getOrDefault(key, List.of()));
      all.addAll(seqs);
      combined.put(key, all);
    });
    assertPerKeyOrder(combined, perKey(events));
  }

  // ---------------------------------------------------------------------------------------
  // 12. Committed progress survives a restart
  // ---------------------------------------------------------------------------------------

  @Test
  void restartedBusDoesNotRedeliverCommittedEvents() {
    int total = 500;
    int more = 100;
    EventBus publisher = newPublisher();
    EventBus first = newBus("first");
    String group = group("resuming");
    Queue<Integer> firstSeen = new ConcurrentLinkedQueue<>();
    first.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).concurrency(4)
        .handle((event, context) -> {
          if (ours(event)) {
            firstSeen.add(event.seq());
          }
        });
    awaitIdle(first);
    List<PublishReceipt> receipts = publishAll(publisher, placedOrders(0, total, 25));
    awaitUntil(() -> firstSeen.size() >= total, total + " events handled by the first bus");
    awaitIdle(first);
    first.close();
    assertThat(firstSeen).hasSize(total);

    Map<TopicPartition, Long> committed = withTransport(
        transport -> transport.committedOffsets(group, List.of(ORDERS_TOPIC)));
    for (PublishReceipt receipt : receipts) {
      TopicPartition partition = new TopicPartition(receipt.topic(), receipt.partition());
      assertThat(committed.get(partition)).as("committed offset of %s", partition)
          .isNotNull().isGreaterThan(receipt.offset());
    }

    EventBus second = newBus("second");
    Map<String, Queue<Integer>> secondSeen = new ConcurrentHashMap<>();
    second.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST).concurrency(4)
        .handle((event, context) -> {
          if (ours(event)) {
            append(secondSeen, event.orderId(), event.seq());
          }
        });
    awaitIdle(second);
    assertThat(count(secondSeen)).as("committed events redelivered to the restarted bus").isZero();

    List<OrderPlaced> newer = placedOrders(total, more, 25);
    publishAll(publisher, newer);
    awaitUntil(() -> count(secondSeen) >= more, more + " new events handled by the restarted bus");
    awaitIdle(second);
    assertThat(count(secondSeen)).isEqualTo(more);
    assertPerKeyOrder(snapshot(secondSeen), perKey(newer));
    assertThat(firstSeen).hasSize(total);
  }

  // ---------------------------------------------------------------------------------------
  // 13. Closing a publisher
  // ---------------------------------------------------------------------------------------

  @Test
  void closeCompletesPendingPublishesAndLaterPublishesFailFast() {
    int total = 1_000;
    EventBus consumer = newBus("consumer");
    Queue<Integer> received = new ConcurrentLinkedQueue<>();
    consumer.subscribe(OrderPlaced.class).group(group("after-close")).handle((event, context) -> {
      if (ours(event)) {
        received.add(event.seq());
      }
    });
    awaitIdle(consumer);

    EventBus publisher = newPublisher();
    List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
    for (OrderPlaced event : placedOrders(0, total, 40)) {
      futures.add(publisher.publish(event, tagged()));
    }
    publisher.close();

    assertThat(futures).as("publishes pending when close() returned")
        .allSatisfy(future -> assertThat(future).isCompleted());
    assertThat(futures.stream().map(CompletableFuture::join).map(PublishReceipt::eventId)).doesNotHaveDuplicates();
    OrderPlaced late = new OrderPlaced(run, "order-late", total, 1);
    assertThatThrownBy(() -> publisher.publish(late)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> publisher.publish(late, tagged())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> publisher.subscribe(OrderPlaced.class)).isInstanceOf(IllegalStateException.class);
    assertThatCode(publisher::close).as("a second close()").doesNotThrowAnyException();

    awaitUntil(() -> received.size() >= total, total + " events handled");
    awaitIdle(consumer);
    assertThat(received).hasSize(total);
    assertThat(new TreeSet<>(received)).isEqualTo(rangeSet(0, total));
  }

  // ---------------------------------------------------------------------------------------
  // 14. Sealed interfaces and skipped types
  // ---------------------------------------------------------------------------------------

  @Test
  void sealedInterfaceSubscriptionReceivesEverySubtypeInKeyOrderAndSkipsOtherTypes() {
    int total = 1_200;
    EventBus publisher = newPublisher();
    Recorder recorder = new Recorder();
    EventBus consumer = newBus("consumer", Clock.systemUTC(), recorder);
    String group = group("lifecycle");
    Map<String, Queue<String>> handled = new ConcurrentHashMap<>();
    Queue<String> mislabelled = new ConcurrentLinkedQueue<>();
    consumer.subscribe(OrderEvent.class).group(group).concurrency(4).handle((event, context) -> {
      if (!ours(event)) {
        return;
      }
      if (!context.metadata().type().equals(typeName(event.getClass()))) {
        mislabelled.add(context.metadata().type() + " delivered as " + event);
      }
      append(handled, event.orderId(), label(event));
    });
    awaitIdle(consumer);

    List<Object> events = new ArrayList<>();
    for (int seq = 0; seq < total; seq++) {
      String key = orderKey(seq, 12);
      events.add(switch (seq % 4) {
        case 0 -> new OrderPlaced(run, key, seq, seq);
        case 1 -> new OrderShipped(run, key, seq, "carrier-" + (seq % 3));
        case 2 -> new OrderCancelled(run, key, seq, "reason-" + (seq % 5));
        default -> new OrderAudited(run, key, seq, "auditor-" + (seq % 2));
      });
    }
    List<PublishReceipt> receipts = new ArrayList<>(publishAll(publisher, events.subList(0, total / 2)));
    String unknownId = UUID.randomUUID().toString();
    send(new OutgoingRecord(ORDERS_TOPIC, orderKey(0, 12),
        ("{\"run\":\"" + run + "\",\"orderId\":\"" + orderKey(0, 12) + "\",\"seq\":-1}").getBytes(UTF_8),
        utf8(cloudEventHeaders(unknownId, "contract.order-unknown", FORGED_AT))));
    receipts.addAll(publishAll(publisher, events.subList(total / 2, total)));

    List<OrderEvent> subscribed = events.stream().filter(OrderEvent.class::isInstance).map(OrderEvent.class::cast)
        .toList();
    Set<String> auditedIds = IntStream.range(0, total).filter(seq -> events.get(seq) instanceof OrderAudited)
        .mapToObj(seq -> receipts.get(seq).eventId()).collect(Collectors.toSet());
    awaitUntil(() -> count(handled) >= subscribed.size() && recorder.skipped.size() >= auditedIds.size() + 1,
        subscribed.size() + " events handled and " + (auditedIds.size() + 1) + " skipped");
    awaitIdle(consumer);

    assertThat(mislabelled).as("events whose metadata type does not match their class").isEmpty();
    Map<String, List<String>> expected = new TreeMap<>();
    for (OrderEvent event : subscribed) {
      expected.computeIfAbsent(event.orderId(), key -> new ArrayList<>()).add(label(event));
    }
    assertThat(new TreeMap<>(snapshot(handled))).as("events handled per key, in order").isEqualTo(expected);
    assertThat(expected.values().stream().flatMap(List::stream).map(label -> label.substring(0, label.indexOf('#')))
        .collect(Collectors.toSet())).containsExactlyInAnyOrder("OrderPlaced", "OrderShipped", "OrderCancelled");

    assertThat(recorder.skipped).as("records skipped").hasSize(auditedIds.size() + 1)
        .allSatisfy(skipped -> {
          assertThat(skipped.group()).isEqualTo(group);
          assertThat(skipped.reason()).isNotBlank();
        });
    assertThat(recorder.skipped.stream().filter(skipped -> skipped.metadata().type().equals("contract.order-audited"))
        .map(skipped -> skipped.metadata().id()).collect(Collectors.toSet()))
        .as("ids of the skipped audit events").isEqualTo(auditedIds);
    assertThat(recorder.skipped.stream().filter(skipped -> skipped.metadata().type().equals("contract.order-unknown"))
        .map(skipped -> skipped.metadata().id()).toList())
        .as("ids of the skipped records of an unknown type").containsExactly(unknownId);
    assertThat(recorder.deadLettered).as("dead letters").isEmpty();
  }

  // ---------------------------------------------------------------------------------------
  // 15. Correlation and causation
  // ---------------------------------------------------------------------------------------

  @Test
  void eventsPublishedWhileHandlingCarryCorrelationAndCausationAcrossThreeHops() {
    int chains = 200;
    EventBus publisher = newPublisher();
    EventBus workers = newBus("chain-workers");
    String firstHop = group("hop-1");
    String secondHop = group("hop-2");
    String thirdHop = group("hop-3");
    Map<String, EventMetadata> started = new ConcurrentHashMap<>();
    Map<String, EventMetadata> continued = new ConcurrentHashMap<>();
    Map<String, EventMetadata> finished = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    Queue<Integer> wrongHops = new ConcurrentLinkedQueue<>();
    workers.subscribe(ChainStarted.class).group(firstHop).handle((event, context) -> {
      if (ours(event)) {
        record(started, event.chainId(), context.metadata(), duplicates);
        context.publish(new ChainContinued(run, event.chainId(), 1));
      }
    });
    workers.subscribe(ChainContinued.class).group(secondHop).handle((event, context) -> {
      if (ours(event)) {
        record(continued, event.chainId(), context.metadata(), duplicates);
        context.publish(new ChainFinished(run, event.chainId(), event.hop() + 1));
      }
    });
    workers.subscribe(ChainFinished.class).group(thirdHop).handle((event, context) -> {
      if (ours(event)) {
        if (event.hop() != 2) {
          wrongHops.add(event.hop());
        }
        record(finished, event.chainId(), context.metadata(), duplicates);
      }
    });
    awaitIdle(workers);

    List<ChainStarted> roots = IntStream.range(0, chains)
        .mapToObj(i -> new ChainStarted(run, "chain-" + i, "customer-" + (i % 13))).toList();
    List<PublishReceipt> receipts = publishAll(publisher, roots, i -> i % 2 == 0
        ? tagged().correlationId("external-" + run + "-" + i)
        : tagged());
    awaitUntil(() -> finished.size() >= chains, chains + " chains finished");
    awaitIdle(workers);

    assertThat(duplicates.get()).as("hops handled twice").isZero();
    assertThat(wrongHops).as("hop numbers of finishing events other than 2").isEmpty();
    assertThat(started).hasSize(chains);
    assertThat(continued).hasSize(chains);
    assertThat(finished).hasSize(chains);
    for (int i = 0; i < chains; i++) {
      String chainId = "chain-" + i;
      EventMetadata root = started.get(chainId);
      EventMetadata middle = continued.get(chainId);
      EventMetadata last = finished.get(chainId);
      String correlation = i % 2 == 0 ? "external-" + run + "-" + i : receipts.get(i).eventId();
      assertThat(root.id()).isEqualTo(receipts.get(i).eventId());
      assertThat(root.correlationId()).as("correlation of root %d", i).isEqualTo(correlation);
      assertThat(root.causationId()).isNull();

      assertThat(middle.type()).isEqualTo("contract.chain-continued");
      assertThat(middle.source()).isEqualTo("contract-chain-workers");
      assertThat(middle.key()).isEqualTo(chainId);
      assertThat(middle.id()).isNotNull().isNotEqualTo(root.id());
      assertThat(middle.correlationId()).as("correlation of hop 2 of chain %d", i).isEqualTo(correlation);
      assertThat(middle.causationId()).as("cause of hop 2 of chain %d", i).isEqualTo(root.id());

      assertThat(last.type()).isEqualTo("contract.chain-finished");
      assertThat(last.key()).isEqualTo(chainId);
      assertThat(last.id()).isNotNull().isNotIn(root.id(), middle.id());
      assertThat(last.correlationId()).as("correlation of hop 3 of chain %d", i).isEqualTo(correlation);
      assertThat(last.causationId()).as("cause of hop 3 of chain %d", i).isEqualTo(middle.id());
    }

    EventFlow flow = workers.flow();
    assertThat(flow.consumes()).contains(
        new EventFlow.Consumes("contract.chain-started", CHAINS_TOPIC, firstHop),
        new EventFlow.Consumes("contract.chain-continued", CHAINS_TOPIC, secondHop),
        new EventFlow.Consumes("contract.chain-finished", CHAINS_TOPIC, thirdHop));
    assertThat(flow.publishes()).contains(
        new EventFlow.Publishes(firstHop, "contract.chain-continued", chains),
        new EventFlow.Publishes(secondHop, "contract.chain-finished", chains));
  }

  @Test
  void theListenerHearsOfEveryOutcomeOnTheDocumentedThreads() {
    String group = group("listened");
    Map<String, List<String>> threads = new ConcurrentHashMap<>();
    Map<String, List<Integer>> outcomes = new ConcurrentHashMap<>();
    List<Duration> delays = new CopyOnWriteArrayList<>();
    EventBusListener listener = new EventBusListener() {
      private void heard(String call, EventMetadata metadata, int seq) {
        if (metadata != null && ours(metadata)) {
          threads.computeIfAbsent(call, c -> new CopyOnWriteArrayList<>()).add(Thread.currentThread().getName());
          outcomes.computeIfAbsent(call, c -> new CopyOnWriteArrayList<>()).add(seq);
        }
      }

      @Override
      public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
        heard("published", metadata, -1);
      }

      @Override
      public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
        heard("publishFailed", metadata, -1);
      }

      @Override
      public void onHandled(EventMetadata metadata, String g, int attempt, Duration duration) {
        heard("handled", metadata, attempt);
      }

      @Override
      public void onRetryScheduled(EventMetadata metadata, String g, int attempt, Duration delay, Throwable cause) {
        heard("retryScheduled", metadata, attempt);
        delays.add(delay);
      }

      @Override
      public void onDeadLettered(DeadLetter deadLetter, String topic) {
        heard("deadLettered", deadLetter.metadata(), deadLetter.failure().attempts());
      }

      @Override
      public void onSkipped(EventMetadata metadata, String g, String reason) {
        heard("skipped", metadata, -1);
      }
    };
    EventBus bus = newBus("listened", VirtualClock.autoAdvancing(), listener);
    bus.subscribe(PaymentCaptured.class).group(group).handle((event, context) -> {
      if (!ours(event)) {
        return;
      }
      if (event.seq() == 3 && context.attempt() == 1) {
        throw new IllegalStateException("first attempt of 3 fails");
      }
      if (event.seq() == 5) {
        throw new NonRetryableException("5 is rejected");
      }
    });

    for (int seq = 0; seq < 10; seq++) {
      await(bus.publish(new PaymentCaptured(run, "payment-" + seq, seq, seq), tagged()), "publish " + seq);
    }
    send(new OutgoingRecord(PAYMENTS_TOPIC, "payment-x", "{}".getBytes(UTF_8),
        utf8(cloudEventHeaders(UUID.randomUUID().toString(), "contract.payment-unknown", FORGED_AT))));
    String callingThread = Thread.currentThread().getName();
    CompletableFuture<PublishReceipt> refused = bus.publish(new Unpublishable(run), tagged());
    awaitIdle(bus);

    assertThatThrownBy(refused::join).hasCauseInstanceOf(dev.chorus.PublishException.class);
    assertThat(outcomes.get("published")).as("publishes heard").hasSize(10);
    assertThat(outcomes.get("publishFailed")).as("failed publishes heard").hasSize(1);
    assertThat(threads.get("publishFailed")).as("an event that never reached the transport fails on the caller")
        .containsExactly(callingThread);
    assertThat(outcomes.get("handled")).as("attempt of each handled event")
        .containsExactlyInAnyOrder(1, 1, 1, 2, 1, 1, 1, 1, 1);
    assertThat(outcomes.get("retryScheduled")).containsExactly(1);
    assertThat(delays).containsExactly(Duration.ofMillis(100));
    assertThat(outcomes.get("deadLettered")).as("attempts of the dead letter").containsExactly(1);
    assertThat(outcomes.get("skipped")).as("records skipped").hasSize(1);
    for (String call : List.of("handled", "retryScheduled", "deadLettered", "skipped")) {
      assertThat(threads.get(call)).as("threads of %s", call)
          .allSatisfy(thread -> assertThat(thread).startsWith("chorus-" + group + "-poll-"));
    }
  }

  /**
   * An event whose accessor fails, so it cannot be encoded; type {@code contract.unpublishable}.
   *
   * @param run the run id
   */
  @EventType(value = "contract.unpublishable", topic = "contract.unpublishable")
  public record Unpublishable(String run) {
    /**
     * Fails, as a broken getter would.
     *
     * @return never
     */
    @Override
    public String run() {
      throw new IllegalStateException("cannot read run");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Event types
  // ---------------------------------------------------------------------------------------

  /** The order lifecycle events a sealed-interface subscription receives. */
  public sealed interface OrderEvent permits OrderPlaced, OrderShipped, OrderCancelled {
    /**
     * The run that published the event.
     *
     * @return the run id
     */
    String run();

    /**
     * The order, and the ordering key.
     *
     * @return the order id
     */
    String orderId();

    /**
     * The event's position in the test's publish sequence.
     *
     * @return the sequence number
     */
    int seq();
  }

  /**
   * An order was placed; type {@code contract.order-placed} on {@link #ORDERS_TOPIC}.
   *
   * @param run the run id
   * @param orderId the order id, the ordering key
   * @param seq the sequence number within the test
   * @param amountCents the amount
   */
  @EventType(value = "contract.order-placed", topic = ORDERS_TOPIC)
  public record OrderPlaced(String run, @EventKey String orderId, int seq, long amountCents) implements OrderEvent {}

  /**
   * An order was shipped; type {@code contract.order-shipped} on {@link #ORDERS_TOPIC}.
   *
   * @param run the run id
   * @param orderId the order id, the ordering key
   * @param seq the sequence number within the test
   * @param carrier the carrier
   */
  @EventType(value = "contract.order-shipped", topic = ORDERS_TOPIC)
  public record OrderShipped(String run, @EventKey String orderId, int seq, String carrier) implements OrderEvent {}

  /**
   * An order was cancelled; type {@code contract.order-cancelled} on {@link #ORDERS_TOPIC}.
   *
   * @param run the run id
   * @param orderId the order id, the ordering key
   * @param seq the sequence number within the test
   * @param reason why
   */
  @EventType(value = "contract.order-cancelled", topic = ORDERS_TOPIC)
  public record OrderCancelled(String run, @EventKey String orderId, int seq, String reason) implements OrderEvent {}

  /**
   * An order was audited; type {@code contract.order-audited} on {@link #ORDERS_TOPIC}, but not
   * an {@link OrderEvent}: a subscription to {@code OrderEvent} skips it.
   *
   * @param run the run id
   * @param orderId the order id, the ordering key
   * @param seq the sequence number within the test
   * @param auditor who audited it
   */
  @EventType(value = "contract.order-audited", topic = ORDERS_TOPIC)
  public record OrderAudited(String run, @EventKey String orderId, int seq, String auditor) {}

  /**
   * A payment was captured; type {@code contract.payment-captured} on {@link #PAYMENTS_TOPIC},
   * the topic that receives forged undecodable records.
   *
   * @param run the run id
   * @param paymentId the payment id, the ordering key
   * @param seq the sequence number within the test
   * @param amountCents the amount
   */
  @EventType(value = "contract.payment-captured", topic = PAYMENTS_TOPIC)
  public record PaymentCaptured(String run, @EventKey String paymentId, int seq, long amountCents) {}

  /**
   * The first event of a chain; type {@code contract.chain-started} on {@link #CHAINS_TOPIC}.
   *
   * @param run the run id
   * @param chainId the chain id, the ordering key
   * @param customer a payload field
   */
  @EventType(value = "contract.chain-started", topic = CHAINS_TOPIC)
  public record ChainStarted(String run, @EventKey String chainId, String customer) {}

  /**
   * The second event of a chain, published while handling {@link ChainStarted}; type
   * {@code contract.chain-continued} on {@link #CHAINS_TOPIC}.
   *
   * @param run the run id
   * @param chainId the chain id, the ordering key
   * @param hop the hop number, 1
   */
  @EventType(value = "contract.chain-continued", topic = CHAINS_TOPIC)
  public record ChainContinued(String run, @EventKey String chainId, int hop) {}

  /**
   * The last event of a chain, published while handling {@link ChainContinued}; type
   * {@code contract.chain-finished} on {@link #CHAINS_TOPIC}.
   *
   * @param run the run id
   * @param chainId the chain id, the ordering key
   * @param hop the hop number, 2
   */
  @EventType(value = "contract.chain-finished", topic = CHAINS_TOPIC)
  public record ChainFinished(String run, @EventKey String chainId, int hop) {}

  // ---------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------

  private record Delivery<E>(E event, EventMetadata metadata, String group, int attempt) {}

  private record RetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {}

  private record DeadLettered(DeadLetter deadLetter, String topic) {}

  private record Skipped(EventMetadata metadata, String group, String reason) {}

  private record Handled(EventMetadata metadata, String group, int attempt) {}

  /** Records what a bus reports about this run's records. */
  private final class Recorder implements EventBusListener {
    final Queue<RetryScheduled> retries = new ConcurrentLinkedQueue<>();
    final Queue<DeadLettered> deadLettered = new ConcurrentLinkedQueue<>();
    final Queue<Skipped> skipped = new ConcurrentLinkedQueue<>();
    final Queue<Handled> handled = new ConcurrentLinkedQueue<>();
    final Queue<DeadLetter> discarded = new ConcurrentLinkedQueue<>();
    final Queue<DeadLetter> subscriptionFailures = new ConcurrentLinkedQueue<>();

    @Override
    public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
      if (ours(metadata)) {
        handled.add(new Handled(metadata, group, attempt));
      }
    }

    @Override
    public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
      if (ours(metadata)) {
        retries.add(new RetryScheduled(metadata, group, attempt, delay, cause));
      }
    }

    @Override
    public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
      if (ours(deadLetter.metadata())) {
        deadLettered.add(new DeadLettered(deadLetter, deadLetterTopic));
      }
    }

    @Override
    public void onDiscarded(DeadLetter deadLetter) {
      if (ours(deadLetter.metadata())) {
        discarded.add(deadLetter);
      }
    }

    @Override
    public void onSubscriptionFailed(DeadLetter deadLetter) {
      if (ours(deadLetter.metadata())) {
        subscriptionFailures.add(deadLetter);
      }
    }

    @Override
    public void onSkipped(EventMetadata metadata, String group, String reason) {
      if (ours(metadata)) {
        skipped.add(new Skipped(metadata, group, reason));
      }
    }
  }

  private EventBus newPublisher() {
    return newBus("publisher", VirtualClock.startingAt(PUBLISHED_AT));
  }

  private EventBus newBus(String name) {
    return newBus(name, Clock.systemUTC());
  }

  private EventBus newBus(String name, Clock clock, EventBusListener... listeners) {
    EventBus.Builder builder = EventBus.builder()
        .transport(transport())
        .closeTransport(busOwnsTransport())
        .source("contract-" + name)
        .clock(clock);
    for (EventBusListener listener : listeners) {
      builder.listener(listener);
    }
    EventBus bus = builder.build();
    buses.add(bus);
    return bus;
  }

  private void closeBuses() {
    List<EventBus> open = new ArrayList<>(buses);
    buses.clear();
    Collections.reverse(open);
    RuntimeException failure = null;
    for (EventBus bus : open) {
      try {
        bus.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private String group(String name) {
    return "contract-" + name + "-" + run;
  }

  private static String deadLetterTopic(String topic, String group) {
    return topic + "." + group + ".dlt";
  }

  private PublishOptions tagged() {
    return PublishOptions.defaults().header(RUN_HEADER, run);
  }

  private boolean ours(EventMetadata metadata) {
    return run.equals(metadata.headers().get(RUN_HEADER));
  }

  private boolean ours(OrderEvent event) {
    return run.equals(event.run());
  }

  private boolean ours(PaymentCaptured event) {
    return run.equals(event.run());
  }

  private boolean ours(ChainStarted event) {
    return run.equals(event.run());
  }

  private boolean ours(ChainContinued event) {
    return run.equals(event.run());
  }

  private boolean ours(ChainFinished event) {
    return run.equals(event.run());
  }

  private List<OrderPlaced> placedOrders(int from, int count, int keys) {
    return IntStream.range(from, from + count)
        .mapToObj(seq -> new OrderPlaced(run, orderKey(seq, keys), seq, 100L * seq))
        .toList();
  }

  /** A key picked pseudo-randomly but reproducibly, so keys interleave irregularly. */
  private static String orderKey(int seq, int keys) {
    return "order-" + new SplittableRandom(seq).nextInt(keys);
  }

  private static String typeName(Class<?> type) {
    return type.getAnnotation(EventType.class).value();
  }

  private static String label(OrderEvent event) {
    return event.getClass().getSimpleName() + "#" + event.seq();
  }

  private List<PublishReceipt> publishAll(EventBus bus, List<?> events) {
    return publishAll(bus, events, index -> tagged());
  }

  /** Publishes in list order from this thread, then waits for every acknowledgement. */
  private List<PublishReceipt> publishAll(EventBus bus, List<?> events, IntFunction<PublishOptions> options) {
    List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      futures.add(bus.publish(events.get(i), options.apply(i)));
    }
    await(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)),
        "acknowledgement of " + events.size() + " publishes");
    return futures.stream().map(CompletableFuture::join).toList();
  }

  private RecordPosition send(OutgoingRecord record) {
    return withTransport(transport -> await(transport.send(record), "sending a record to " + record.topic()));
  }

  /** The CloudEvents headers the engine writes, for a forged record of this run. */
  private Map<String, String> cloudEventHeaders(String id, String type, Instant time) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("ce_specversion", "1.0");
    headers.put("ce_id", id);
    headers.put("ce_source", FORGED_SOURCE);
    headers.put("ce_type", type);
    headers.put("ce_time", time.toString());
    headers.put("content-type", "application/json");
    headers.put("ce_correlationid", id);
    headers.put(RUN_HEADER, run);
    return headers;
  }

  private static Map<String, byte[]> utf8(Map<String, String> headers) {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    headers.forEach((name, value) -> bytes.put(name, value.getBytes(UTF_8)));
    return bytes;
  }

  /**
   * Reads a dead-letter topic from the start with a fresh reader group until {@code expected}
   * dead letters arrived, and checks that the topic holds no more than that.
   */
  private List<DeadLetter> readDeadLetters(String topic, int expected) {
    String readerGroup = "reader-" + run + "-" + readers.incrementAndGet();
    List<DeadLetter> read = withTransport(transport -> {
      List<DeadLetter> letters = new ArrayList<>();
      try (TransportConsumer consumer = transport.consumer(readerGroup, List.of(topic), StartPosition.EARLIEST,
          IGNORE_REBALANCES)) {
        long deadline = System.nanoTime() + timeout().toNanos();
        while (letters.size() < expected) {
          if (System.nanoTime() - deadline > 0) {
            fail("timed out after %s reading %s: %d of %d dead letters", timeout(), topic, letters.size(), expected);
          }
          for (TransportRecord record : consumer.poll(POLL)) {
            letters.add(DeadLetter.from(record.key(), record.value(), record.headers()));
          }
        }
      }
      return letters;
    });
    assertThat(recordCount(topic)).as("records on %s", topic).isEqualTo(expected);
    return read;
  }

  /** How many records a topic that was empty before this run holds. */
  private long recordCount(String topic) {
    return withTransport(transport -> transport.endOffsets(List.of(topic)).values().stream()
        .mapToLong(Long::longValue).sum());
  }

  private <T> T withTransport(Function<Transport, T> action) {
    Transport transport = transport();
    try {
      return action.apply(transport);
    } finally {
      if (busOwnsTransport()) {
        transport.close();
      }
    }
  }

  private void awaitIdle(EventBus... idle) {
    for (EventBus bus : idle) {
      assertThat(bus.awaitIdle(timeout())).as("awaitIdle(%s) of %s", timeout(), bus).isTrue();
    }
  }

  /** Waits until the condition holds, failing after {@link #timeout()}. */
  private void awaitUntil(BooleanSupplier condition, String description) {
    long deadline = System.nanoTime() + timeout().toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after %s waiting until %s", timeout(), description);
      }
      LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // a polling interval, not a timing assumption
    }
  }

  private <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(timeout().toMillis(), MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after " + timeout() + " waiting for " + what, e);
    }
  }

  private static void record(Map<String, EventMetadata> seen, String chainId, EventMetadata metadata,
      AtomicInteger duplicates) {
    if (seen.putIfAbsent(chainId, metadata) != null) {
      duplicates.incrementAndGet();
    }
  }

  private static <K, V> void append(Map<K, Queue<V>> map, K key, V value) {
    map.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(value);
  }

  private static <K, V> int count(Map<K, Queue<V>> map) {
    return map.values().stream().mapToInt(Queue::size).sum();
  }

  private static <K, V> Map<K, List<V>> snapshot(Map<K, Queue<V>> map) {
    Map<K, List<V>> copy = new HashMap<>();
    map.forEach((key, values) -> copy.put(key, List.copyOf(values)));
    return copy;
  }

  private static Map<String, List<Integer>> perKey(List<? extends OrderEvent> events) {
    Map<String, List<Integer>> byKey = new HashMap<>();
    for (OrderEvent event : events) {
      byKey.computeIfAbsent(event.orderId(), key -> new ArrayList<>()).add(event.seq());
    }
    return byKey;
  }

  private static void assertPerKeyOrder(Map<String, List<Integer>> handled, Map<String, List<Integer>> published) {
    assertThat(new TreeMap<>(handled)).as("sequence numbers handled per key, in handling order")
        .isEqualTo(new TreeMap<>(published));
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  private static Set<Integer> rangeSet(int from, int to) {
    return new TreeSet<>(range(from, to));
  }
}
