package dev.chorus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private static List<Duration> delays(RetryPolicy policy, int failedAttempts) {
    return IntStream.rangeClosed(1, failedAttempts).mapToObj(policy::delayAfter).toList();
  }

  private static List<Duration> jittered(RetryPolicy policy, int failedAttempts, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Duration> result = new ArrayList<>();
    for (int attempt = 1; attempt <= failedAttempts; attempt++) {
      result.add(policy.delayAfter(attempt, random));
    }
    return result;
  }

  // --- delay sequences -------------------------------------------------------------------------

  @Test
  void exponentialDoublesTheDelayAfterEveryFailedAttempt() {
    RetryPolicy policy = RetryPolicy.exponential(5, Duration.ofMillis(100));

    assertThat(policy.maxAttempts()).isEqualTo(5);
    assertThat(delays(policy, 4)).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200),
        Duration.ofMillis(400), Duration.ofMillis(800));
  }

  @Test
  void maxDelayCapsEveryLaterDelay() {
    RetryPolicy policy = RetryPolicy.exponential(8, Duration.ofMillis(100)).maxDelay(Duration.ofMillis(300));

    assertThat(delays(policy, 6)).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200),
        Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300));
  }

  @Test
  void maxDelayBelowTheInitialDelayCapsTheFirstDelayToo() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1));

    assertThat(delays(policy, 2)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
  }

  @Test
  void multiplierThreeTriplesTheDelayAfterEveryFailedAttempt() {
    RetryPolicy policy = RetryPolicy.exponential(5, Duration.ofMillis(100)).multiplier(3);

    assertThat(delays(policy, 4)).containsExactly(Duration.ofMillis(100), Duration.ofMillis(300),
        Duration.ofMillis(900), Duration.ofMillis(2700));
  }

  @Test
  void exponentialIsCappedAtFiveMinutesByDefault() {
    RetryPolicy policy = RetryPolicy.exponential(30, Duration.ofSeconds(1));

    assertThat(policy.delayAfter(9)).isEqualTo(Duration.ofSeconds(256));
    assertThat(policy.delayAfter(10)).isEqualTo(Duration.ofMinutes(5));
    assertThat(policy.delayAfter(29)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void hugeAttemptNumbersStayAtTheCapInsteadOfOverflowing() {
    RetryPolicy policy = RetryPolicy.exponential(Integer.MAX_VALUE, Duration.ofMillis(100))
        .maxDelay(Duration.ofSeconds(7));

    assertThat(policy.delayAfter(10_000)).isEqualTo(Duration.ofSeconds(7));
    assertThat(policy.delayAfter(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void fixedUsesTheSameDelayBeforeEveryRetry() {
    RetryPolicy policy = RetryPolicy.fixed(4, Duration.ofMillis(250));

    assertThat(policy.maxAttempts()).isEqualTo(4);
    assertThat(delays(policy, 6)).containsOnly(Duration.ofMillis(250)).hasSize(6);
  }

  @Test
  void fixedKeepsADelayLongerThanTheDefaultCap() {
    RetryPolicy policy = RetryPolicy.fixed(2, Duration.ofMinutes(10));

    assertThat(policy.delayAfter(1)).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void noneAllowsOneAttemptWithoutDelay() {
    RetryPolicy policy = RetryPolicy.none();

    assertThat(policy.maxAttempts()).isEqualTo(1);
    assertThat(policy.delayAfter(1)).isEqualTo(Duration.ZERO);
    assertThat(policy.delayAfter(1, new SplittableRandom(1))).isEqualTo(Duration.ZERO);
  }

  @Test
  void zeroInitialDelayStaysZero() {
    RetryPolicy policy = RetryPolicy.exponential(4, Duration.ZERO).jitter(1.0);

    assertThat(delays(policy, 3)).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO);
    assertThat(jittered(policy, 3, 5)).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }

  @Test
  void delayAfterRejectsAnAttemptBelowOne() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100));

    assertThatIllegalArgumentException().isThrownBy(() -> policy.delayAfter(0))
        .withMessage("failedAttempt must be at least 1: 0");
    assertThatIllegalArgumentException().isThrownBy(() -> policy.delayAfter(-1, new SplittableRandom(1)))
        .withMessage("failedAttempt must be at least 1: -1");
  }

  // --- jitter --------------------------------------------------------------------------------

  @Test
  void jitterKeepsEveryDelayWithinItsSpread() {
    RetryPolicy policy = RetryPolicy.exponential(5, Duration.ofMillis(100)).jitter(0.5);
    SplittableRandom random = new SplittableRandom(42);
    long[] bases = {100_000_000L, 200_000_000L, 400_000_000L, 800_000_000L};
    boolean sawBelow = false;
    boolean sawAbove = false;

    for (int draw = 0; draw < 1_000; draw++) {
      for (int attempt = 1; attempt <= 4; attempt++) {
        long base = bases[attempt - 1];
        long nanos = policy.delayAfter(attempt, random).toNanos();
        assertThat(nanos).isBetween(base / 2, base + base / 2);
        sawBelow |= nanos < base;
        sawAbove |= nanos > base;
      }
    }
    assertThat(sawBelow).as("some delay below the base").isTrue();
    assertThat(sawAbove).as("some delay above the base").isTrue();
  }

  @Test
  void jitterDrawsOneDoublePerDelayAndScalesTheBaseByIt() {
    RetryPolicy policy = RetryPolicy.exponential(5, Duration.ofMillis(100)).jitter(0.25);
    SplittableRandom expected = new SplittableRandom(7);

    List<Duration> actual = jittered(policy, 4, 7);

    for (int attempt = 1; attempt <= 4; attempt++) {
      double factor = 1.0 + 0.25 * (2.0 * expected.nextDouble() - 1.0);
      long base = 100_000_000L << (attempt - 1);
      assertThat(actual.get(attempt - 1)).isEqualTo(Duration.ofNanos((long) (base * factor)));
    }
  }

  @Test
  void jitterIsReproducibleWithTheSameSeed() {
    RetryPolicy policy = RetryPolicy.exponential(10, Duration.ofMillis(100)).jitter(0.8);

    List<Duration> first = jittered(policy, 9, 123_456_789L);
    List<Duration> second = jittered(policy, 9, 123_456_789L);
    List<Duration> otherSeed = jittered(policy, 9, 987_654_321L);

    assertThat(second).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
    assertThat(first).isNotEqualTo(delays(policy, 9));
  }

  @Test
  void jitterNeverExceedsMaxDelay() {
    RetryPolicy policy = RetryPolicy.exponential(10, Duration.ofMillis(100))
        .maxDelay(Duration.ofMillis(300))
        .jitter(1.0);
    SplittableRandom random = new SplittableRandom(99);

    for (int draw = 0; draw < 1_000; draw++) {
      for (int attempt = 1; attempt <= 6; attempt++) {
        assertThat(policy.delayAfter(attempt, random)).isBetween(Duration.ZERO, Duration.ofMillis(300));
      }
    }
  }

  @Test
  void withoutJitterTheRandomSourceChangesNothing() {
    RetryPolicy policy = RetryPolicy.exponential(5, Duration.ofMillis(100));

    assertThat(jittered(policy, 4, 1)).isEqualTo(delays(policy, 4));
  }

  // --- which failures are retried --------------------------------------------------------------

  @Test
  void everyExceptionIsRetryableByDefault() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100));

    assertThat(policy.isRetryable(new IllegalStateException())).isTrue();
    assertThat(policy.isRetryable(new IOException())).isTrue();
    assertThat(policy.isRetryable(new AssertionError())).isTrue();
  }

  @Test
  void abortOnWinsOverRetryOn() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100))
        .retryOn(RuntimeException.class)
        .abortOn(IllegalArgumentException.class);

    assertThat(policy.isRetryable(new IllegalArgumentException())).isFalse();
    assertThat(policy.isRetryable(new NumberFormatException())).as("subclass of an abortOn class").isFalse();
    assertThat(policy.isRetryable(new IllegalStateException())).isTrue();
  }

  @Test
  void abortOnWinsEvenForTheVeryClassNamedInRetryOn() {
    RetryPolicy policy = RetryPolicy.fixed(3, Duration.ofMillis(10))
        .abortOn(IllegalStateException.class)
        .retryOn(IllegalStateException.class);

    assertThat(policy.isRetryable(new IllegalStateException())).isFalse();
  }

  @Test
  void abortOnAloneLeavesOtherExceptionsRetryable() {
    RetryPolicy policy = RetryPolicy.fixed(3, Duration.ofMillis(10)).abortOn(IllegalArgumentException.class,
        UnsupportedOperationException.class);

    assertThat(policy.isRetryable(new UnsupportedOperationException())).isFalse();
    assertThat(policy.isRetryable(new IllegalArgumentException())).isFalse();
    assertThat(policy.isRetryable(new IOException())).isTrue();
  }

  @Test
  void retryOnNarrowsRetriesToTheGivenClassesAndTheirSubclasses() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100))
        .retryOn(IOException.class, UncheckedIOException.class);

    assertThat(policy.isRetryable(new IOException())).isTrue();
    assertThat(policy.isRetryable(new FileNotFoundException())).isTrue();
    assertThat(policy.isRetryable(new UncheckedIOException(new IOException()))).isTrue();
    assertThat(policy.isRetryable(new IllegalStateException())).isFalse();
    assertThat(policy.isRetryable(new RuntimeException(new IOException()))).as("a cause does not count").isFalse();
  }

  @Test
  void retryIfDecidesWithThePredicate() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100))
        .retryIf(failure -> String.valueOf(failure.getMessage()).contains("429"));

    assertThat(policy.isRetryable(new IllegalStateException("HTTP 429 Too Many Requests"))).isTrue();
    assertThat(policy.isRetryable(new IllegalStateException("HTTP 500"))).isFalse();
  }

  @Test
  void retryIfAppliesInAdditionToTheClassFilters() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100))
        .retryOn(IllegalStateException.class)
        .retryIf(failure -> String.valueOf(failure.getMessage()).contains("429"));

    assertThat(policy.isRetryable(new IllegalStateException("429"))).isTrue();
    assertThat(policy.isRetryable(new IllegalArgumentException("429"))).isFalse();
    assertThat(policy.isRetryable(new IllegalStateException("500"))).isFalse();
  }

  @Test
  void nonRetryableExceptionIsNeverRetried() {
    class Rejected extends NonRetryableException {
      Rejected() {
        super("rejected");
      }
    }
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100))
        .retryOn(RuntimeException.class)
        .retryIf(failure -> true);

    assertThat(policy.isRetryable(new NonRetryableException("invalid"))).isFalse();
    assertThat(policy.isRetryable(new NonRetryableException("invalid", new IOException()))).isFalse();
    assertThat(policy.isRetryable(new Rejected())).isFalse();
    assertThat(RetryPolicy.exponential(3, Duration.ofMillis(100)).isRetryable(new NonRetryableException("x")))
        .isFalse();
  }

  // --- validation ----------------------------------------------------------------------------

  @Test
  void rejectsZeroMaxAttemptsNamingTheOption() {
    assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.exponential(0, Duration.ofMillis(100)))
        .withMessage("maxAttempts must be at least 1: 0");
    assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.fixed(-3, Duration.ofMillis(100)))
        .withMessage("maxAttempts must be at least 1: -3");
  }

  @Test
  void rejectsNegativeDelaysNamingTheOption() {
    assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.fixed(3, Duration.ofMillis(-1)))
        .withMessage("delay cannot be negative: PT-0.001S");
    assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.exponential(3, Duration.ofSeconds(-2)))
        .withMessage("initialDelay cannot be negative: PT-2S");
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100));
    assertThatIllegalArgumentException().isThrownBy(() -> policy.maxDelay(Duration.ofNanos(-1)))
        .withMessage("maxDelay cannot be negative: PT-0.000000001S");
  }

  @Test
  void rejectsNullDelaysNamingTheOption() {
    assertThatNullPointerException().isThrownBy(() -> RetryPolicy.fixed(3, null)).withMessage("delay");
    assertThatNullPointerException().isThrownBy(() -> RetryPolicy.exponential(3, null)).withMessage("initialDelay");
    assertThatNullPointerException().isThrownBy(() -> RetryPolicy.none().maxDelay(null)).withMessage("maxDelay");
    assertThatNullPointerException().isThrownBy(() -> RetryPolicy.none().retryIf(null)).withMessage("predicate");
  }

  @Test
  void rejectsAMultiplierBelowOneOrNotFinite() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100));

    assertThatIllegalArgumentException().isThrownBy(() -> policy.multiplier(0.5))
        .withMessage("multiplier must be a finite number >= 1.0: 0.5");
    assertThatIllegalArgumentException().isThrownBy(() -> policy.multiplier(Double.NaN))
        .withMessage("multiplier must be a finite number >= 1.0: NaN");
    assertThatIllegalArgumentException().isThrownBy(() -> policy.multiplier(Double.POSITIVE_INFINITY))
        .withMessage("multiplier must be a finite number >= 1.0: Infinity");
    assertThat(policy.multiplier(1.0).delayAfter(3)).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void rejectsJitterOutsideZeroToOne() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100));

    assertThatIllegalArgumentException().isThrownBy(() -> policy.jitter(1.01))
        .withMessage("jitter must be between 0.0 and 1.0: 1.01");
    assertThatIllegalArgumentException().isThrownBy(() -> policy.jitter(-0.1))
        .withMessage("jitter must be between 0.0 and 1.0: -0.1");
    assertThatIllegalArgumentException().isThrownBy(() -> policy.jitter(Double.NaN))
        .withMessage("jitter must be between 0.0 and 1.0: NaN");
  }

  @Test
  void rejectsEmptyExceptionClassListsNamingTheOption() {
    RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100));

    assertThatIllegalArgumentException().isThrownBy(policy::retryOn)
        .withMessage("retryOn needs at least one exception class");
    assertThatIllegalArgumentException().isThrownBy(policy::abortOn)
        .withMessage("abortOn needs at least one exception class");
  }

  // --- immutability --------------------------------------------------------------------------

  @Test
  void withersReturnNewPoliciesAndLeaveTheOriginalUnchanged() {
    RetryPolicy original = RetryPolicy.exponential(5, Duration.ofMillis(100));
    String before = original.toString();

    RetryPolicy multiplied = original.multiplier(3);
    RetryPolicy capped = original.maxDelay(Duration.ofMillis(150));
    RetryPolicy jittery = original.jitter(1.0);
    RetryPolicy narrowed = original.retryOn(IOException.class);
    RetryPolicy aborting = original.abortOn(IllegalStateException.class);
    RetryPolicy predicated = original.retryIf(failure -> false);

    assertThat(List.of(multiplied, capped, jittery, narrowed, aborting, predicated))
        .allSatisfy(derived -> assertThat(derived).isNotSameAs(original));
    assertThat(original.toString()).isEqualTo(before);
    assertThat(delays(original, 4)).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200),
        Duration.ofMillis(400), Duration.ofMillis(800));
    assertThat(jittered(original, 4, 3)).isEqualTo(delays(original, 4));
    assertThat(original.isRetryable(new IllegalStateException())).isTrue();
    assertThat(original.isRetryable(new IllegalArgumentException())).isTrue();

    assertThat(multiplied.delayAfter(2)).isEqualTo(Duration.ofMillis(300));
    assertThat(capped.delayAfter(2)).isEqualTo(Duration.ofMillis(150));
    assertThat(narrowed.isRetryable(new IllegalStateException())).isFalse();
    assertThat(aborting.isRetryable(new IllegalStateException())).isFalse();
    assertThat(predicated.isRetryable(new IllegalStateException())).isFalse();
  }

  @Test
  void withersKeepEveryOtherSetting() {
    RetryPolicy policy = RetryPolicy.exponential(6, Duration.ofMillis(100))
        .abortOn(IllegalArgumentException.class)
        .retryOn(RuntimeException.class)
        .retryIf(failure -> !"skip".equals(failure.getMessage()))
        .multiplier(3)
        .maxDelay(Duration.ofMillis(1000))
        .jitter(0.0);

    assertThat(policy.maxAttempts()).isEqualTo(6);
    assertThat(delays(policy, 4)).containsExactly(Duration.ofMillis(100), Duration.ofMillis(300),
        Duration.ofMillis(900), Duration.ofMillis(1000));
    assertThat(policy.isRetryable(new IllegalArgumentException())).isFalse();
    assertThat(policy.isRetryable(new IOException())).isFalse();
    assertThat(policy.isRetryable(new IllegalStateException("skip"))).isFalse();
    assertThat(policy.isRetryable(new IllegalStateException("again"))).isTrue();
  }
}
