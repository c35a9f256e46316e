package dev.chorus;

/**
 * What a handler knows about the event it handles, and a publisher for follow-up events.
 *
 * <p>Events published through a context are linked to the incoming event: their
 * {@code correlationId} is the incoming event's correlation id, and their
 * {@code causationId} is the incoming event's id. The context is valid during the
 * {@link EventHandler#handle} call it was passed to.
 */
public interface EventContext extends EventPublisher {

  /**
   * The metadata of the event being handled; identical on every attempt.
   *
   * @return the metadata
   */
  EventMetadata metadata();

  /**
   * The attempt number, 1 for the first delivery.
   *
   * @return the attempt, at least 1
   */
  int attempt();

  /**
   * The consumer group of the subscription handling the event.
   *
   * @return the group name
   */
  String group();
}
