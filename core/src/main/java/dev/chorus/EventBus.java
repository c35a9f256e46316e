package dev.chorus;

import dev.chorus.internal.RealEventBus;
import dev.chorus.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The entry point: publishes typed events and subscribes handlers to them, on a
 * {@link Transport} (in memory for tests, Kafka in production). Thread-safe.
 *
 * <pre>{@code
 * EventBus bus = EventBus.builder()
 *     .transport(InMemoryTransport.create())
 *     .source("payment-service")
 *     .build();
 * bus.publish(new PaymentValidated("p1", "o1", 1999));
 * }</pre>
 */
public interface EventBus extends EventPublisher, AutoCloseable {

  /**
   * A new builder.
   *
   * @return the builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Starts configuring a subscription to an event class, or to a sealed interface (all its
   * permitted subtypes).
   *
   * @param type the event type
   * @param <E> the event type
   * @return a builder; {@link SubscriptionBuilder#handle} starts the subscription
   * @throws IllegalArgumentException if the type is not a valid event type
   * @throws IllegalStateException if the bus is closed
   */
  <E> SubscriptionBuilder<E> subscribe(Class<E> type);

  /**
   * Subscribes with the default policies: a shortcut for
   * {@code subscribe(type).group(group).handle(handler)}.
   *
   * @param group the consumer group
   * @param type the event type
   * @param handler the handler
   * @param <E> the event type
   * @return the running subscription
   */
  <E> Subscription subscribe(String group, Class<E> type, EventHandler<? super E> handler);

  /**
   * The choreography seen so far: which groups consume which types, and which types each
   * group published while handling.
   *
   * @return a snapshot of the flow
   */
  EventFlow flow();

  /**
   * Waits until every subscription of this bus has its partitions assigned and has handled,
   * dead-lettered or skipped every record its topics held when the call began, including the
   * follow-up events those handlers published and pending retries. Meant for tests; works on
   * every transport. Time is measured on the wall clock, not the bus clock.
   *
   * @param timeout how long to wait at most
   * @return true if idle, false if the timeout passed first
   */
  boolean awaitIdle(Duration timeout);

  /**
   * Stops taking new events, lets in-flight handlers finish (bounded by the shutdown timeout),
   * commits positions, waits for pending publishes and closes the transport if the bus owns
   * it. Idempotent. Afterwards {@code publish} throws {@link IllegalStateException}.
   */
  @Override
  void close();

  /**
   * Builds an {@link EventBus}. Not thread-safe; {@link #build()} may be called again and
   * returns a new bus.
   */
  final class Builder {
    private Transport transport;
    private boolean closeTransport = true;
    private String source = "chorus";
    private Clock clock = Clock.systemUTC();
    private RandomGenerator random;
    private TraceContextProvider traceContext = TraceContextProvider.NONE;
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private final List<EventBusListener> listeners = new ArrayList<>();
    private final Set<Class<?>> registered = new LinkedHashSet<>();

    Builder() {}

    /**
     * The transport; required.
     *
     * @param transport the transport
     * @return this builder
     */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Whether closing the bus closes the transport too; default true. Set it to false to share
     * one transport between buses (for example one in-memory transport between two services
     * in a test).
     *
     * @param closeTransport whether the bus owns the transport
     * @return this builder
     */
    public Builder closeTransport(boolean closeTransport) {
      this.closeTransport = closeTransport;
      return this;
    }

    /**
     * The name of the publishing service, written to {@code ce_source}; default
     * {@code "chorus"}.
     *
     * @param source the source name
     * @return this builder
     * @throws IllegalArgumentException if blank
     */
    public Builder source(String source) {
      Objects.requireNonNull(source, "source");
      if (source.isBlank()) {
        throw new IllegalArgumentException("source cannot be blank");
      }
      this.source = source;
      return this;
    }

    /**
     * The clock for event times and retry delays; default {@link Clock#systemUTC()}. A
     * {@link VirtualClock} makes retry backoff run without waiting.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The random source for retry jitter; default a new {@code SplittableRandom}.
     *
     * @param random the random source
     * @return this builder
     */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Where the trace context of published events comes from; default none (events published
     * while handling still carry on the incoming event's).
     *
     * @param provider the provider, such as an OpenTelemetry binding's
     * @return this builder
     */
    public Builder traceContext(TraceContextProvider provider) {
      this.traceContext = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * How long {@link EventBus#close()} and {@link Subscription#close()} wait for in-flight
     * handlers; default 30 seconds.
     *
     * @param timeout the timeout, not negative
     * @return this builder
     */
    public Builder shutdownTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("shutdownTimeout cannot be negative: " + timeout);
      }
      this.shutdownTimeout = timeout;
      return this;
    }

    /**
     * Adds a listener; listeners are called in the order they were added.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(EventBusListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Registers event classes up front, so that their names and topics are known (and checked
     * for clashes) before the first publish or subscribe.
     *
     * @param types event classes or sealed interfaces
     * @return this builder
     */
    public Builder register(Class<?>... types) {
      for (Class<?> type : types) {
        registered.add(Objects.requireNonNull(type, "type"));
      }
      return this;
    }

    /**
     * Builds the bus.
     *
     * @return a new bus
     * @throws IllegalStateException if no transport was set
     * @throws IllegalArgumentException if a registered type is invalid or two types clash
     */
    public EventBus build() {
      if (transport == null) {
        throw new IllegalStateException("transport is required: EventBus.builder().transport(...)");
      }
      return new RealEventBus(transport, closeTransport, source, clock,
          random != null ? random : new java.util.SplittableRandom(), shutdownTimeout, List.copyOf(listeners),
          List.copyOf(registered), traceContext);
    }
  }
}
