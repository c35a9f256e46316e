package dev.chorus;

import java.util.concurrent.CompletableFuture;

/**
 * Publishes events. Implementations are thread-safe.
 */
public interface EventPublisher {

  /**
   * Publishes an event with default options: its key comes from its {@link EventKey} member.
   *
   * @param event the event; its class decides the type name and topic ({@link EventType})
   * @return a future that completes when the transport durably accepted the event, or
   *     exceptionally with {@link PublishException}
   * @throws NullPointerException if {@code event} is null
   * @throws IllegalStateException if the bus is closed
   * @throws IllegalArgumentException if the event's class is not a valid event type
   */
  default CompletableFuture<PublishReceipt> publish(Object event) {
    return publish(event, PublishOptions.defaults());
  }

  /**
   * Publishes an event with options (key override, headers, correlation id).
   *
   * @param event the event
   * @param options the options
   * @return a future that completes when the transport durably accepted the event, or
   *     exceptionally with {@link PublishException}
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the bus is closed
   * @throws IllegalArgumentException if the event's class is not a valid event type
   */
  CompletableFuture<PublishReceipt> publish(Object event, PublishOptions options);
}
