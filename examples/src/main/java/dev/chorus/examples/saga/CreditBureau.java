package dev.chorus.examples.saga;

import java.util.Map;
import java.util.OptionalInt;

/** A stand-in for the external credit bureau: a credit score per known customer. Thread-safe. */
final class CreditBureau {

  private final Map<String, Integer> scores;

  CreditBureau(Map<String, Integer> scores) {
    this.scores = Map.copyOf(scores);
  }

  /** The customer's score, or empty if the bureau cannot identify the customer. */
  OptionalInt score(String customerId) {
    Integer score = scores.get(customerId);
    return score == null ? OptionalInt.empty() : OptionalInt.of(score);
  }
}
