package dev.chorus.examples.slowjob;

/** Where a job stands, as the job API reports it. */
public enum JobStatus {
  /** Accepted and queued; no worker has taken it yet. */
  PENDING,
  /** A worker is starting the machine (possibly retrying). */
  RUNNING,
  /** The machine runs the program. */
  DONE,
  /** The worker gave up; the request is in the dead-letter topic. */
  FAILED;

  /**
   * Whether the job can change no more.
   *
   * @return true for {@link #DONE} and {@link #FAILED}
   */
  public boolean isFinal() {
    return this == DONE || this == FAILED;
  }
}
