package dev.chorus.examples.saga;

/** Where a contract's billing account stands in the billing service. */
public enum AccountStatus {
  /** Opened tentatively for a new contract; nothing is billed yet. */
  DRAFT,
  /** The contract is active: the account bills monthly. */
  ACTIVE,
  /** The contract was cancelled: the draft account was voided (the compensation). */
  VOIDED
}
