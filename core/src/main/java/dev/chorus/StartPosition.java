package dev.chorus;

/**
 * Where a consumer group that has no committed position starts reading. A group that has
 * committed positions always resumes from them.
 */
public enum StartPosition {
  /** Start at the oldest event the transport still retains: the group sees history. */
  EARLIEST,
  /** Start after the newest event at the time the group first joins: only new events. */
  LATEST
}
