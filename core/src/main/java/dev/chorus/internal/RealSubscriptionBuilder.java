package dev.chorus.internal;

import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventHandler;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.SubscriptionBuilder;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/** Collects a subscription's settings, validating each at once. */
final class RealSubscriptionBuilder<E> implements SubscriptionBuilder<E> {

  private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9._-]{1,200}");
  static final int MAX_CONCURRENCY = 1024;

  private final RealEventBus bus;
  private final Class<E> type;
  private String group;
  private RetryPolicy retry = RetryPolicy.exponential(3, Duration.ofMillis(100));
  private DeadLetterPolicy deadLetter = DeadLetterPolicy.deadLetterTopic();
  private int concurrency = 1;
  private StartPosition start = StartPosition.LATEST;

  RealSubscriptionBuilder(RealEventBus bus, Class<E> type) {
    this.bus = bus;
    this.type = type;
  }

  @Override
  public SubscriptionBuilder<E> group(String group) {
    Objects.requireNonNull(group, "group");
    if (!GROUP.matcher(group).matches()) {
      throw new IllegalArgumentException("group must be 1 to 200 letters, digits, '.', '_' or '-': '" + group + "'");
    }
    this.group = group;
    return this;
  }

  @Override
  public SubscriptionBuilder<E> retry(RetryPolicy policy) {
    this.retry = Objects.requireNonNull(policy, "policy");
    return this;
  }

  @Override
  public SubscriptionBuilder<E> deadLetter(DeadLetterPolicy policy) {
    this.deadLetter = Objects.requireNonNull(policy, "policy");
    return this;
  }

  @Override
  public SubscriptionBuilder<E> concurrency(int concurrency) {
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new IllegalArgumentException("concurrency must be between 1 and " + MAX_CONCURRENCY + ": " + concurrency);
    }
    this.concurrency = concurrency;
    return this;
  }

  @Override
  public SubscriptionBuilder<E> startFrom(StartPosition position) {
    this.start = Objects.requireNonNull(position, "position");
    return this;
  }

  @Override
  public Subscription handle(EventHandler<? super E> handler) {
    Objects.requireNonNull(handler, "handler");
    if (group == null) {
      throw new IllegalStateException("a subscription needs a group: subscribe(" + type.getSimpleName()
          + ".class).group(\"...\")");
    }
    return bus.start(type, group, retry, deadLetter, concurrency, start, handler);
  }
}
