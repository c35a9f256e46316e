package dev.chorus;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * How often and how soon a failed event is tried again. Immutable; every wither returns a new
 * policy.
 *
 * <pre>{@code
 * RetryPolicy.exponential(5, Duration.ofMillis(100))
 *     .maxDelay(Duration.ofSeconds(5))
 *     .abortOn(IllegalArgumentException.class);
 * }</pre>
 *
 * <p>{@code maxAttempts} counts the first attempt: {@code fixed(3, d)} calls the handler at
 * most three times. The delay before attempt {@code n + 1} is
 * {@code initialDelay * multiplier^(n - 1)}, capped at {@code maxDelay}, then spread by
 * {@code jitter}. An exception is retried when it is not a {@link NonRetryableException}, is
 * not an instance of an {@code abortOn} class (which wins), is an instance of a
 * {@code retryOn} class if any were given, and passes the {@code retryIf} predicate if one
 * was given. While an event waits for its next attempt, later events of its key wait too.
 */
public final class RetryPolicy {

  private static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(5);

  private final int maxAttempts;
  private final Duration initialDelay;
  private final double multiplier;
  private final Duration maxDelay;
  private final double jitter;
  private final List<Class<? extends Throwable>> retryOn;
  private final List<Class<? extends Throwable>> abortOn;
  private final Predicate<Throwable> retryIf;

  private RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay,
      double jitter, List<Class<? extends Throwable>> retryOn, List<Class<? extends Throwable>> abortOn,
      Predicate<Throwable> retryIf) {
    this.maxAttempts = maxAttempts;
    this.initialDelay = initialDelay;
    this.multiplier = multiplier;
    this.maxDelay = maxDelay;
    this.jitter = jitter;
    this.retryOn = retryOn;
    this.abortOn = abortOn;
    this.retryIf = retryIf;
  }

  /**
   * No retries: one attempt, then the dead-letter policy.
   *
   * @return the policy
   */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO, 0, List.of(), List.of(), null);
  }

  /**
   * The same delay before every retry.
   *
   * @param maxAttempts attempts in all, counting the first; at least 1
   * @param delay the delay before each retry; not negative
   * @return the policy
   * @throws IllegalArgumentException if maxAttempts is below 1 or delay is negative
   */
  public static RetryPolicy fixed(int maxAttempts, Duration delay) {
    checkAttempts(maxAttempts);
    checkDelay("delay", delay);
    return new RetryPolicy(maxAttempts, delay, 1.0, max(delay, DEFAULT_MAX_DELAY), 0, List.of(), List.of(), null);
  }

  /**
   * A delay that doubles (by default) before every retry, capped at five minutes (or at the
   * initial delay, if that is longer) unless {@link #maxDelay(Duration)} says otherwise.
   *
   * @param maxAttempts attempts in all, counting the first; at least 1
   * @param initialDelay the delay before the second attempt; not negative
   * @return the policy
   * @throws IllegalArgumentException if maxAttempts is below 1 or initialDelay is negative
   */
  public static RetryPolicy exponential(int maxAttempts, Duration initialDelay) {
    checkAttempts(maxAttempts);
    checkDelay("initialDelay", initialDelay);
    return new RetryPolicy(maxAttempts, initialDelay, 2.0, max(initialDelay, DEFAULT_MAX_DELAY), 0,
        List.of(), List.of(), null);
  }

  /**
   * This policy with another growth factor between delays.
   *
   * @param multiplier the factor, at least 1.0
   * @return a new policy
   * @throws IllegalArgumentException if multiplier is below 1.0 or not finite
   */
  public RetryPolicy multiplier(double multiplier) {
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be a finite number >= 1.0: " + multiplier);
    }
    return new RetryPolicy(maxAttempts, initialDelay, multiplier, maxDelay, jitter, retryOn, abortOn, retryIf);
  }

  /**
   * This policy with a cap on the delay between attempts.
   *
   * @param maxDelay the longest delay; not negative
   * @return a new policy
   * @throws IllegalArgumentException if maxDelay is negative
   */
  public RetryPolicy maxDelay(Duration maxDelay) {
    checkDelay("maxDelay", maxDelay);
    return new RetryPolicy(maxAttempts, initialDelay, multiplier, maxDelay, jitter, retryOn, abortOn, retryIf);
  }

  /**
   * This policy with random jitter: each delay is multiplied by a random factor in
   * {@code [1 - jitter, 1 + jitter]} (then capped at {@code maxDelay}). The random source is
   * {@code EventBus.Builder#random}.
   *
   * @param jitter the spread, from 0.0 (none) to 1.0
   * @return a new policy
   * @throws IllegalArgumentException if jitter is outside [0, 1]
   */
  public RetryPolicy jitter(double jitter) {
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be between 0.0 and 1.0: " + jitter);
    }
    return new RetryPolicy(maxAttempts, initialDelay, multiplier, maxDelay, jitter, retryOn, abortOn, retryIf);
  }

  /**
   * This policy retrying only exceptions that are instances of one of these classes.
   *
   * @param types the exception classes to retry
   * @return a new policy
   * @throws IllegalArgumentException if no class is given
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, element by element
  public final RetryPolicy retryOn(Class<? extends Throwable>... types) {
    return new RetryPolicy(maxAttempts, initialDelay, multiplier, maxDelay, jitter, classes("retryOn", types),
        abortOn, retryIf);
  }

  /**
   * This policy giving up at once on exceptions that are instances of one of these classes;
   * wins over {@link #retryOn}.
   *
   * @param types the exception classes not to retry
   * @return a new policy
   * @throws IllegalArgumentException if no class is given
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, element by element
  public final RetryPolicy abortOn(Class<? extends Throwable>... types) {
    return new RetryPolicy(maxAttempts, initialDelay, multiplier, maxDelay, jitter, retryOn,
        classes("abortOn", types), retryIf);
  }

  /**
   * This policy retrying only exceptions the predicate accepts (in addition to the class
   * filters).
   *
   * @param predicate decides whether an exception is worth another attempt
   * @return a new policy
   * @throws NullPointerException if predicate is null
   */
  public RetryPolicy retryIf(Predicate<Throwable> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return new RetryPolicy(maxAttempts, initialDelay, multiplier, maxDelay, jitter, retryOn, abortOn, predicate);
  }

  /**
   * Attempts in all, counting the first.
   *
   * @return the maximum number of attempts, at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Whether a failure of this kind may be tried again (ignoring the attempt count).
   *
   * @param failure what the handler threw
   * @return true if another attempt may help
   */
  public boolean isRetryable(Throwable failure) {
    if (failure instanceof NonRetryableException) {
      return false;
    }
    for (Class<? extends Throwable> type : abortOn) {
      if (type.isInstance(failure)) {
        return false;
      }
    }
    if (!retryOn.isEmpty() && retryOn.stream().noneMatch(type -> type.isInstance(failure))) {
      return false;
    }
    return retryIf == null || retryIf.test(failure);
  }

  /**
   * The delay before the attempt that follows failed attempt {@code failedAttempt}, without
   * jitter.
   *
   * @param failedAttempt the attempt that failed, 1-based
   * @return the delay
   * @throws IllegalArgumentException if failedAttempt is below 1
   */
  public Duration delayAfter(int failedAttempt) {
    if (failedAttempt < 1) {
      throw new IllegalArgumentException("failedAttempt must be at least 1: " + failedAttempt);
    }
    double nanos = initialDelay.toNanos() * Math.pow(multiplier, failedAttempt - 1);
    long capped = nanos >= maxDelay.toNanos() ? maxDelay.toNanos() : (long) nanos;
    return Duration.ofNanos(capped);
  }

  /**
   * The delay before the attempt that follows failed attempt {@code failedAttempt}, with
   * jitter drawn from {@code random}.
   *
   * @param failedAttempt the attempt that failed, 1-based
   * @param random the random source for jitter
   * @return the delay, never above {@code maxDelay}
   */
  public Duration delayAfter(int failedAttempt, RandomGenerator random) {
    Duration base = delayAfter(failedAttempt);
    if (jitter == 0.0 || base.isZero()) {
      return base;
    }
    double factor = 1.0 + jitter * (2.0 * random.nextDouble() - 1.0);
    long nanos = (long) (base.toNanos() * factor);
    return Duration.ofNanos(Math.min(Math.max(nanos, 0), maxDelay.toNanos()));
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay + ", multiplier="
        + multiplier + ", maxDelay=" + maxDelay + ", jitter=" + jitter + ", retryOn=" + retryOn
        + ", abortOn=" + abortOn + (retryIf == null ? "" : ", retryIf=" + retryIf) + "]";
  }

  private static void checkAttempts(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
  }

  private static void checkDelay(String name, Duration delay) {
    Objects.requireNonNull(delay, name);
    if (delay.isNegative()) {
      throw new IllegalArgumentException(name + " cannot be negative: " + delay);
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static List<Class<? extends Throwable>> classes(String option, Class<? extends Throwable>[] types) {
    if (types.length == 0) {
      throw new IllegalArgumentException(option + " needs at least one exception class");
    }
    List<Class<? extends Throwable>> list = new java.util.ArrayList<>(types.length);
    for (Class<? extends Throwable> type : types) {
      list.add(Objects.requireNonNull(type, option));
    }
    return List.copyOf(list);
  }
}
