package dev.chorus.examples.saga;

/**
 * The outcome of a customer check, on the {@code customer-checks} topic, keyed by contract id.
 */
public sealed interface CustomerCheckResult permits CustomerCheckPassed, CustomerCheckFailed {

  /**
   * The contract the check was for.
   *
   * @return the contract id
   */
  String contractId();
}
