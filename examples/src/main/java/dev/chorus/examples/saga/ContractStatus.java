package dev.chorus.examples.saga;

/** Where a contract stands in the contract service. */
public enum ContractStatus {
  /** Signed; waiting for the customer check. */
  PENDING_CHECK,
  /** The check passed: the contract runs. */
  ACTIVE,
  /** The check failed: the contract was cancelled and the other participants compensated. */
  CANCELLED
}
