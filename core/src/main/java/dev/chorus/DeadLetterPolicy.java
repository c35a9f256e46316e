package dev.chorus;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What happens to an event whose attempts are exhausted, that a handler rejected with
 * {@link NonRetryableException}, or that could not be decoded. Immutable.
 *
 * <ul>
 *   <li>{@link #deadLetterTopic()} (the default): a {@link DeadLetter} record on
 *       {@code <topic>.<group>.dlt};
 *   <li>{@link #toTopic(String)}: a {@link DeadLetter} record on a topic you name;
 *   <li>{@link #discard()}: a WARN log line and an {@link EventBusListener#onDiscarded} call;
 *   <li>{@link #stopSubscription()}: the subscription stops at the failed event and goes to
 *       {@link Subscription.State#FAILED}; nothing after it is handled or committed.
 * </ul>
 *
 * <p>In every case but {@code stopSubscription} the position moves past the event only once
 * the dead letter was durably written (or discarded); a failed write is tried again.
 */
public sealed interface DeadLetterPolicy permits PublishDeadLetter, DiscardDeadLetter, StopSubscription {

  /** What a policy does with a failed event. */
  enum Action {
    /** Write a dead-letter record to a topic. */
    PUBLISH,
    /** Log it, tell the listeners, and move on. */
    DISCARD,
    /** Stop the subscription at the failed event. */
    STOP
  }

  /**
   * Dead letters go to {@code <topic>.<group>.dlt}: one dead-letter topic per source topic and
   * group, because failures belong to the group that failed.
   *
   * @return the policy
   */
  static DeadLetterPolicy deadLetterTopic() {
    return PublishDeadLetter.PER_GROUP;
  }

  /**
   * Dead letters go to the given topic.
   *
   * @param topic the dead-letter topic
   * @return the policy
   * @throws NullPointerException if topic is null
   * @throws IllegalArgumentException if topic is not a valid topic name
   */
  static DeadLetterPolicy toTopic(String topic) {
    Objects.requireNonNull(topic, "topic");
    if (!PublishDeadLetter.TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException("not a valid topic name (letters, digits, '.', '_', '-', at most 249, not '.' or '..'): '"
          + topic + "'");
    }
    return new PublishDeadLetter(topic);
  }

  /**
   * Failed events are logged at WARN, reported to {@link EventBusListener#onDiscarded}, and
   * skipped.
   *
   * @return the policy
   */
  static DeadLetterPolicy discard() {
    return DiscardDeadLetter.INSTANCE;
  }

  /**
   * The subscription stops at the first failed event: it skips nothing, commits nothing past
   * it, and its state becomes {@link Subscription.State#FAILED}.
   *
   * @return the policy
   */
  static DeadLetterPolicy stopSubscription() {
    return StopSubscription.INSTANCE;
  }

  /**
   * What this policy does.
   *
   * @return the action
   */
  Action action();

  /**
   * The topic a dead letter of an event from {@code sourceTopic} in {@code group} goes to.
   *
   * @param sourceTopic the topic the failed event came from
   * @param group the group that failed to handle it
   * @return the dead-letter topic, or {@code null} if this policy writes none
   */
  String destination(String sourceTopic, String group);
}

/** Writes a dead-letter record. */
final class PublishDeadLetter implements DeadLetterPolicy {
  static final Pattern TOPIC = Pattern.compile("(?!\\.{1,2}$)[a-zA-Z0-9._-]{1,249}");
  static final PublishDeadLetter PER_GROUP = new PublishDeadLetter(null);
  private final String topic;

  PublishDeadLetter(String topic) {
    this.topic = topic;
  }

  @Override
  public Action action() {
    return Action.PUBLISH;
  }

  @Override
  public String destination(String sourceTopic, String group) {
    return topic != null ? topic : sourceTopic + "." + group + ".dlt";
  }

  @Override
  public String toString() {
    return topic == null ? "DeadLetterPolicy.deadLetterTopic()" : "DeadLetterPolicy.toTopic(" + topic + ")";
  }
}

/** Logs and skips. */
final class DiscardDeadLetter implements DeadLetterPolicy {
  static final DiscardDeadLetter INSTANCE = new DiscardDeadLetter();

  private DiscardDeadLetter() {}

  @Override
  public Action action() {
    return Action.DISCARD;
  }

  @Override
  public String destination(String sourceTopic, String group) {
    return null;
  }

  @Override
  public String toString() {
    return "DeadLetterPolicy.discard()";
  }
}

/** Stops the subscription. */
final class StopSubscription implements DeadLetterPolicy {
  static final StopSubscription INSTANCE = new StopSubscription();

  private StopSubscription() {}

  @Override
  public Action action() {
    return Action.STOP;
  }

  @Override
  public String destination(String sourceTopic, String group) {
    return null;
  }

  @Override
  public String toString() {
    return "DeadLetterPolicy.stopSubscription()";
  }
}
