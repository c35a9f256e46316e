package dev.chorus.examples.slowjob;

/**
 * What the worker reports about a job, on the {@code jobs.status} topic, keyed by job id: the job
 * API subscribes to this interface and so receives every kind, in order per job.
 */
public sealed interface JobStatusEvent permits JobRunning, MachineStarted, JobFailed {

  /**
   * The job the event is about.
   *
   * @return the job id
   */
  String jobId();
}
