package dev.chorus.testkit;

import dev.chorus.EventMetadata;
import dev.chorus.testkit.TestEventBus.PublishedEvent;
import java.util.Map;
import java.util.Objects;
import org.assertj.core.api.AbstractObjectAssert;

/**
 * Assertions on one published event and its place in a chain: which event caused it and
 * whether it shares a correlation id. The actual value is the event object, so every object
 * assertion ({@code isEqualTo}, {@code extracting}, ...) applies too. Obtained from
 * {@link TestEventBusAssert#publishedEvent(Class)}.
 *
 * <pre>{@code
 * assertThat(bus).publishedEvent(OrderCreated.class)
 *     .isEqualTo(new OrderCreated("o1", "p1"))
 *     .causedBy(payment)
 *     .hasSameCorrelationAs(payment);
 * }</pre>
 *
 * <p>Other events are named by value: the event the bus published or handled that
 * {@code equals} the argument (or is the very object published).
 *
 * @param <T> the event type
 */
public final class PublishedEventAssert<T> extends AbstractObjectAssert<PublishedEventAssert<T>, T> {

  private final PublishedEvent published;
  private final Recording recording;

  PublishedEventAssert(T event, PublishedEvent published, Recording recording) {
    super(event, PublishedEventAssert.class);
    this.published = published;
    this.recording = recording;
  }

  private void fail(String message) {
    failWithMessage("%s", message);
  }

  /**
   * Verifies that the event was published by a handler of {@code cause}, through its
   * {@link dev.chorus.EventContext}: its causation id is the cause's event id.
   *
   * @param cause the event whose handling published this one
   * @return this assertion
   */
  public PublishedEventAssert<T> causedBy(Object cause) {
    Objects.requireNonNull(cause, "cause");
    EventMetadata causeMetadata = find(cause, "to have been caused by " + cause);
    String causation = published.metadata().causationId();
    if (!causeMetadata.id().equals(causation)) {
      String found;
      if (causation == null) {
        found = "it has no cause: it was published directly, not through a handler's EventContext";
      } else {
        Object other = recording.eventWithId(causation);
        found = other == null ? "it was caused by event " + causation + ", which this bus did not record"
            : "it was caused by " + other;
      }
      fail("expected " + actual + " to have been caused by " + cause + " but " + found);
    }
    return myself;
  }

  /**
   * Verifies that the event belongs to the same chain as {@code other}: same correlation id.
   *
   * @param other an event of the chain
   * @return this assertion
   */
  public PublishedEventAssert<T> hasSameCorrelationAs(Object other) {
    Objects.requireNonNull(other, "other");
    EventMetadata otherMetadata = find(other, "to have the correlation id of " + other);
    if (!Objects.equals(otherMetadata.correlationId(), published.metadata().correlationId())) {
      fail("expected " + actual + " to have the correlation id of " + other + " (" + otherMetadata.correlationId()
          + ") but it had " + published.metadata().correlationId());
    }
    return myself;
  }

  /**
   * Verifies that the event starts a chain: it was published directly, not by a handler.
   *
   * @return this assertion
   */
  public PublishedEventAssert<T> hasNoCause() {
    String causation = published.metadata().causationId();
    if (causation != null) {
      Object other = recording.eventWithId(causation);
      fail("expected " + actual + " to have no cause but it was caused by "
          + (other == null ? "event " + causation : other));
    }
    return myself;
  }

  /**
   * Verifies the event's ordering key.
   *
   * @param key the expected key, or {@code null} for none
   * @return this assertion
   */
  public PublishedEventAssert<T> hasKey(String key) {
    if (!Objects.equals(published.metadata().key(), key)) {
      fail("expected " + actual + " to have the key " + key + " but it had " + published.metadata().key());
    }
    return myself;
  }

  /**
   * Verifies a user header of the event.
   *
   * @param name the header name
   * @param value the expected value
   * @return this assertion
   */
  public PublishedEventAssert<T> hasHeader(String name, String value) {
    Objects.requireNonNull(name, "name");
    String found = published.metadata().headers().get(name);
    if (!Objects.equals(found, value)) {
      fail("expected " + actual + " to have the header " + name + "=" + value + " but "
          + (found == null ? "it had no such header; its headers: " + published.metadata().headers()
              : "it had " + name + "=" + found));
    }
    return myself;
  }

  /**
   * Verifies which group's handler published the event.
   *
   * @param group the group
   * @return this assertion
   */
  public PublishedEventAssert<T> wasPublishedByGroup(String group) {
    Objects.requireNonNull(group, "group");
    if (!group.equals(published.group())) {
      fail("expected " + actual + " to have been published by a handler of group " + group + " but it was "
          + (published.group() == null ? "published directly" : "published by a handler of group " + published.group()));
    }
    return myself;
  }

  private EventMetadata find(Object event, String expectation) {
    Map<String, EventMetadata> found = recording.metadataOf(event);
    if (found.isEmpty()) {
      fail("expected " + actual + " " + expectation + " but " + event + " was neither published nor handled by this "
          + "bus; the bus recorded:" + recording.describe());
    }
    if (found.size() > 1) {
      fail("expected " + actual + " " + expectation + " but " + found.size() + " events equal " + event
          + " (it was published more than once), so it does not name one event");
    }
    return found.values().iterator().next();
  }
}
