package dev.chorus;

/**
 * A publish that the transport did not durably accept: the broker refused it, it timed out,
 * the event could not be encoded, or the bus was closing. A publish future completes with
 * this exception instead of dropping the event silently; whether to publish again is the
 * caller's decision.
 */
public class PublishException extends ChorusException {

  private final String eventId;
  private final String topic;

  /**
   * Creates an exception for one event.
   *
   * @param message what went wrong
   * @param eventId the id of the event that was not published, or {@code null} if it had none yet
   * @param topic the topic it was meant for, or {@code null} if not known
   * @param cause the underlying failure, or {@code null}
   */
  public PublishException(String message, String eventId, String topic, Throwable cause) {
    super(message, cause);
    this.eventId = eventId;
    this.topic = topic;
  }

  /**
   * The id of the event that was not published.
   *
   * @return the event id, or {@code null} if the failure happened before an id was assigned
   */
  public String eventId() {
    return eventId;
  }

  /**
   * The topic the event was meant for.
   *
   * @return the topic, or {@code null} if not known
   */
  public String topic() {
    return topic;
  }
}
