package dev.chorus.examples.slowjob;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The job API's own view of its jobs, kept up to date from {@link JobStatusEvent}s. A final status
 * never changes again. Thread-safe; callers can wait for a job's status to change (long polling).
 */
final class JobStore {

  private final Map<String, Job> jobs = new HashMap<>();
  private int created;

  /** Creates a PENDING job and returns its view. */
  synchronized JobView create(String machineId, String program) {
    Job job = new Job("job-" + (++created), machineId, program);
    jobs.put(job.id, job);
    return job.view();
  }

  /** Applies a status event from the worker; ignored for unknown jobs and finished ones. */
  synchronized void apply(JobStatusEvent event) {
    Job job = jobs.get(event.jobId());
    if (job == null || job.status.isFinal()) {
      return;
    }
    if (event instanceof JobRunning running) {
      job.change(JobStatus.RUNNING, "starting " + running.machineId() + ", attempt " + running.attempt());
    } else if (event instanceof MachineStarted started) {
      job.change(JobStatus.DONE, started.machineId() + " runs " + started.runId());
    } else if (event instanceof JobFailed failed) {
      job.change(JobStatus.FAILED, failed.reason());
    }
    notifyAll();
  }

  /** Marks a job failed by the API itself (its request could not be queued). */
  synchronized void fail(String jobId, String reason) {
    Job job = jobs.get(jobId);
    if (job != null && !job.status.isFinal()) {
      job.change(JobStatus.FAILED, reason);
      notifyAll();
    }
  }

  /**
   * The job's view once its status differs from {@code from}, or after {@code max} at the latest;
   * at once if {@code from} is null. Null for an unknown job.
   */
  synchronized JobView await(String jobId, JobStatus from, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      Job job = jobs.get(jobId);
      if (job == null) {
        return null;
      }
      long left = deadline - System.nanoTime();
      if (from == null || job.status != from || left <= 0) {
        return job.view();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** One job; guarded by the store. */
  private static final class Job {
    private final String id;
    private final String machineId;
    private final String program;
    private final List<JobStatus> history = new ArrayList<>();
    private JobStatus status = JobStatus.PENDING;
    private String detail = "queued";

    Job(String id, String machineId, String program) {
      this.id = id;
      this.machineId = machineId;
      this.program = program;
      history.add(status);
    }

    void change(JobStatus next, String why) {
      if (next != status) {
        history.add(next);
      }
      status = next;
      detail = why;
    }

    JobView view() {
      return new JobView(id, machineId, program, status, detail, history);
    }
  }
}
