package dev.chorus.internal;

import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventFlow;
import dev.chorus.EventHandler;
import dev.chorus.EventMetadata;
import dev.chorus.PublishException;
import dev.chorus.PublishOptions;
import dev.chorus.PublishReceipt;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.SubscriptionBuilder;
import dev.chorus.TraceContextProvider;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link EventBus}: publishing (envelope, codec, transport), subscriptions,
 * the flow map, {@link #awaitIdle} and the ordered shutdown.
 */
public final class RealEventBus implements EventBus {

  private static final Logger LOG = LoggerFactory.getLogger(RealEventBus.class);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

  private final Transport transport;
  private final boolean closeTransport;
  private final String source;
  private final Clock clock;
  private final RandomGenerator random;
  private final Duration shutdownTimeout;
  private final Listeners listeners;
  private final TraceContextProvider traceContext;
  private final TypeRegistry registry = new TypeRegistry();
  private final Timers timers;
  private final FlowRecorder flow = new FlowRecorder();
  private final List<RealSubscription<?>> subscriptions = new CopyOnWriteArrayList<>();
  private final AtomicInteger pendingPublishes = new AtomicInteger();
  private final AtomicInteger subscriptionIds = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Object progress = new Object();
  private final AtomicInteger waiters = new AtomicInteger();
  private volatile boolean closed;

  /**
   * Creates a bus; use {@link EventBus#builder()}.
   *
   * @param transport the transport
   * @param closeTransport whether {@link #close()} closes the transport
   * @param source the {@code ce_source} of published events
   * @param clock event times and retry delays
   * @param random jitter source
   * @param shutdownTimeout how long close waits for handlers
   * @param listeners observers
   * @param registered event classes to register up front
   * @param traceContext the ambient trace context of publishers
   */
  public RealEventBus(Transport transport, boolean closeTransport, String source, Clock clock, RandomGenerator random,
      Duration shutdownTimeout, List<EventBusListener> listeners, List<Class<?>> registered,
      TraceContextProvider traceContext) {
    this.transport = transport;
    this.closeTransport = closeTransport;
    this.source = source;
    this.clock = clock;
    this.random = random;
    this.shutdownTimeout = shutdownTimeout;
    this.listeners = new Listeners(listeners);
    this.traceContext = traceContext;
    registered.forEach(registry::subscriptionTypes);
    this.timers = new Timers(clock);
  }

  // ---------------------------------------------------------------- publishing

  @Override
  public CompletableFuture<PublishReceipt> publish(Object event, PublishOptions options) {
    CompletableFuture<PublishReceipt> future = send(event, options, null);
    flow.emitted(source, registry.info(event.getClass()));
    return future;
  }

  /** Publishes through a handler's context: linked to the incoming event and counted in the flow. */
  CompletableFuture<PublishReceipt> publishCaused(Object event, PublishOptions options, EventMetadata cause,
      String group) {
    CompletableFuture<PublishReceipt> future = send(event, options, cause);
    flow.published(group, registry.info(event.getClass()));
    return future;
  }

  private CompletableFuture<PublishReceipt> send(Object event, PublishOptions options, EventMetadata cause) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(options, "options");
    if (closed) {
      throw new IllegalStateException("the event bus is closed; cannot publish " + event.getClass().getName());
    }
    EventTypeInfo type = registry.info(event.getClass());
    String key = options.key() != null ? options.key() : type.keyOf(event);
    String id = EventIds.next();
    String correlationId = cause != null ? cause.correlationId()
        : options.correlationId() != null ? options.correlationId() : id;
    EventMetadata metadata = new EventMetadata(id, type.name(), source, clock.instant(), key, correlationId,
        cause != null ? cause.id() : null, withTraceContext(options.headers(), cause));
    pendingPublishes.incrementAndGet();
    OutgoingRecord record = null;
    RuntimeException unencodable = null;
    try {
      record = new OutgoingRecord(type.topic(), key, JsonCodec.shared().encode(event), WireFormat.headers(metadata));
    } catch (RuntimeException e) {
      unencodable = e;
    }
    // The future and the callback are made last, next to the objects the transport makes for the
    // record: on Kafka the producer's I/O thread touches them together, milliseconds later, and
    // objects adjacent in memory cost it fewer cache misses.
    CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
    BiConsumer<RecordPosition, Throwable> done = (position, error) -> {
      try {
        if (error == null) {
          PublishReceipt receipt = new PublishReceipt(id, position.topic(), position.partition(), position.offset(),
              position.timestamp());
          listeners.onPublished(metadata, receipt);
          result.complete(receipt);
        } else {
          Throwable cause1 = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
              ? error.getCause() : error;
          PublishException failure = cause1 instanceof PublishException publishException ? publishException
              : new PublishException("event " + id + " of type " + type.name() + " was not published to "
                  + type.topic() + ": " + cause1.getMessage(), id, type.topic(), cause1);
          listeners.onPublishFailed(metadata, type.topic(), failure);
          result.completeExceptionally(failure);
        }
      } finally {
        pendingPublishes.decrementAndGet();
        progressed();
      }
    };
    if (unencodable != null) {
      done.accept(null, unencodable);
      return result;
    }
    try {
      // Told through a callback, not a future: on Kafka, one future less per record on the producer's I/O thread.
      transport.send(record, done);
    } catch (RuntimeException e) {
      if (!result.isDone()) {
        done.accept(null, e); // refused at once: the transport did not call back
      } else {
        LOG.warn("the transport {} threw after it had told the outcome of event {}", transport, id, e);
      }
    }
    return result;
  }

  /** The headers plus the trace context: explicit, else the ambient one, else the incoming event's. */
  private Map<String, String> withTraceContext(Map<String, String> headers, EventMetadata cause) {
    if (headers.containsKey(EventMetadata.TRACEPARENT)) {
      return headers;
    }
    String traceparent = null;
    try {
      traceparent = traceContext.traceparent();
    } catch (RuntimeException e) {
      LOG.warn("TraceContextProvider {} threw; publishing without its trace context", traceContext, e);
    }
    boolean ambient = TraceContext.isValidTraceparent(traceparent);
    if (!ambient && (cause == null || cause.traceparent().isEmpty())) {
      return headers; // the common case: nothing to add, nothing to copy
    }
    Map<String, String> result = new java.util.LinkedHashMap<>(headers);
    if (ambient) {
      result.put(EventMetadata.TRACEPARENT, traceparent);
      result.remove(EventMetadata.TRACESTATE);
    } else {
      result.put(EventMetadata.TRACEPARENT, cause.traceparent().get());
      String tracestate = cause.headers().get(EventMetadata.TRACESTATE);
      if (tracestate != null && !result.containsKey(EventMetadata.TRACESTATE)) {
        result.put(EventMetadata.TRACESTATE, tracestate);
      }
    }
    return result;
  }

  // ---------------------------------------------------------------- subscribing

  @Override
  public <E> SubscriptionBuilder<E> subscribe(Class<E> type) {
    Objects.requireNonNull(type, "type");
    checkOpen();
    registry.subscriptionTypes(type);
    return new RealSubscriptionBuilder<>(this, type);
  }

  @Override
  public <E> Subscription subscribe(String group, Class<E> type, EventHandler<? super E> handler) {
    return subscribe(type).group(group).handle(handler);
  }

  <E> Subscription start(Class<E> type, String group, RetryPolicy retry, DeadLetterPolicy deadLetter,
      int concurrency, StartPosition start, EventHandler<? super E> handler) {
    checkOpen();
    Map<String, EventTypeInfo> types = registry.subscriptionTypes(type);
    for (EventTypeInfo info : types.values()) {
      String destination = deadLetter.destination(info.topic(), group);
      if (destination != null && !TypeRegistry.TOPIC.matcher(destination).matches()) {
        throw new IllegalArgumentException("dead-letter topic '" + destination + "' of group " + group
            + " is not a valid topic name (at most 249 characters): choose a shorter group or "
            + "DeadLetterPolicy.toTopic(...)");
      }
    }
    RealSubscription<E> subscription = new RealSubscription<>(this, group, types, retry, deadLetter, concurrency,
        start, handler, subscriptionIds.incrementAndGet());
    subscriptions.add(subscription);
    flow.subscribed(group, subscription.types());
    subscription.start();
    // Return once this member has joined the group and the group has a position on every
    // partition, so that it takes part in the group's work and a LATEST subscription sees every
    // event published after this call returns.
    boolean joined = await(System.nanoTime() + JOIN_TIMEOUT.toNanos(),
        () -> subscription.state() != Subscription.State.RUNNING
            || (subscription.joined() && positioned(subscription)));
    if (!joined) {
      LOG.warn("group {} has no position on every partition of {} after {}; events published now may be missed "
          + "by a LATEST subscription", group, subscription.topics(), JOIN_TIMEOUT);
    }
    return subscription;
  }

  private boolean positioned(RealSubscription<?> subscription) {
    Map<TopicPartition, Long> ends = transport.endOffsets(subscription.topics());
    Map<TopicPartition, Long> committed = transport.committedOffsets(subscription.group(), subscription.topics());
    return !ends.isEmpty() && committed.keySet().containsAll(ends.keySet());
  }

  // ---------------------------------------------------------------- waiting

  @Override
  public boolean awaitIdle(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<RealSubscription<?>, Map<TopicPartition, Long>> targets = snapshot();
    while (true) {
      Map<RealSubscription<?>, Map<TopicPartition, Long>> current = targets;
      if (!await(deadline, () -> pendingPublishes.get() == 0 && reached(current))) {
        return false;
      }
      Map<RealSubscription<?>, Map<TopicPartition, Long>> next = snapshot();
      if (next.equals(targets)) {
        return true;
      }
      targets = next;
    }
  }

  private Map<RealSubscription<?>, Map<TopicPartition, Long>> snapshot() {
    Map<RealSubscription<?>, Map<TopicPartition, Long>> targets = new HashMap<>();
    for (RealSubscription<?> subscription : subscriptions) {
      if (subscription.state() == Subscription.State.RUNNING) {
        targets.put(subscription, transport.endOffsets(subscription.topics()));
      }
    }
    return targets;
  }

  private boolean reached(Map<RealSubscription<?>, Map<TopicPartition, Long>> targets) {
    for (Map.Entry<RealSubscription<?>, Map<TopicPartition, Long>> target : targets.entrySet()) {
      RealSubscription<?> subscription = target.getKey();
      if (subscription.state() != Subscription.State.RUNNING) {
        continue;
      }
      Map<TopicPartition, Long> committed = transport.committedOffsets(subscription.group(), subscription.topics());
      for (Map.Entry<TopicPartition, Long> end : target.getValue().entrySet()) {
        if (committed.getOrDefault(end.getKey(), -1L) < end.getValue()) {
          return false;
        }
      }
    }
    return true;
  }

  /** Waits until the condition holds or the deadline passes, re-checking on progress and every 10 ms. */
  private boolean await(long deadlineNanos, BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      waiters.incrementAndGet();
      try {
        synchronized (progress) {
          progress.wait(Math.max(1, Math.min(10, remaining / 1_000_000)));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        waiters.decrementAndGet();
      }
    }
    return true;
  }

  /** Something moved (a commit, a publish): wake whoever waits in {@link #awaitIdle}. */
  void progressed() {
    if (waiters.get() > 0) {
      synchronized (progress) {
        progress.notifyAll();
      }
    }
  }

  // ---------------------------------------------------------------- the rest

  @Override
  public EventFlow flow() {
    return flow.snapshot();
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    subscriptions.forEach(RealSubscription::stop);
    subscriptions.forEach(RealSubscription::awaitStopped);
    if (!await(System.nanoTime() + shutdownTimeout.toNanos(), () -> pendingPublishes.get() == 0)) {
      LOG.warn("{} publishes still unacknowledged after {}", pendingPublishes.get(), shutdownTimeout);
    }
    closed = true;
    timers.close();
    if (closeTransport) {
      try {
        transport.close();
      } catch (RuntimeException e) {
        LOG.warn("error closing transport {}", transport, e);
      }
    }
  }

  private void checkOpen() {
    if (closing.get()) {
      throw new IllegalStateException("the event bus is closed");
    }
  }

  Transport transport() {
    return transport;
  }

  Clock clock() {
    return clock;
  }

  Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  EventBusListener listeners() {
    return listeners;
  }

  Timers timers() {
    return timers;
  }

  Duration retryDelay(RetryPolicy policy, int failedAttempt) {
    synchronized (random) {
      return policy.delayAfter(failedAttempt, random);
    }
  }

  @Override
  public String toString() {
    return "EventBus[source=" + source + ", transport=" + transport + ", subscriptions=" + subscriptions.size() + "]";
  }

}
