package dev.chorus.examples.slowjob;

import java.util.List;
import java.util.Objects;

/**
 * A job as {@code GET /jobs/{id}} returns it (JSON).
 *
 * @param jobId the job
 * @param machineId the machine to start
 * @param program the program to run
 * @param status where it stands
 * @param detail what the last status change said
 * @param history every status the job has had, in order
 */
public record JobView(String jobId, String machineId, String program, JobStatus status, String detail,
    List<JobStatus> history) {

  /**
   * Validates and copies.
   *
   * @param jobId see {@link #jobId()}
   * @param machineId see {@link #machineId()}
   * @param program see {@link #program()}
   * @param status see {@link #status()}
   * @param detail see {@link #detail()}
   * @param history see {@link #history()}
   */
  public JobView {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(status, "status");
    history = List.copyOf(history);
  }
}
