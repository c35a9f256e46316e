package dev.chorus.examples.slowjob;

import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.RetryPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * The worker behind the job API: for each {@link StartMachineRequested} it reports the job
 * running, calls the machine controller, and on success reports {@link MachineStarted} and asks
 * for monitoring with {@link CreateAlarm}. A rate-limited call (429) is retried with exponential
 * backoff; a call that cannot succeed (404) is not retried: the worker reports {@link JobFailed}
 * and the request goes to the dead-letter topic, where an operator can inspect and redrive it.
 */
final class MachineWorker {

  /** Four attempts in all, waiting 500 ms, 1 s, then 2 s; only transient controller errors. */
  static final RetryPolicy RETRY = RetryPolicy.exponential(4, Duration.ofMillis(500))
      .retryIf(failure -> failure instanceof ControllerException controller && controller.isTransient());

  private final EventBus bus;
  private final String group;
  private final MachineController controller;

  MachineWorker(EventBus bus, String group, MachineController controller) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
    this.controller = Objects.requireNonNull(controller, "controller");
  }

  void start() {
    bus.subscribe(StartMachineRequested.class)
        .group(group)
        .concurrency(4)
        .retry(RETRY)
        .deadLetter(DeadLetterPolicy.deadLetterTopic())
        .handle((request, ctx) -> {
          ctx.publish(new JobRunning(request.jobId(), request.machineId(), ctx.attempt()));
          String runId;
          try {
            runId = controller.start(request.machineId(), request.program());
          } catch (ControllerException e) {
            if (!e.isTransient() || ctx.attempt() == RETRY.maxAttempts()) {
              // The last attempt: tell the job's caller before the request is dead-lettered, and wait
              // for the acknowledgement, because a failed attempt does not wait for its publishes.
              ctx.publish(new JobFailed(request.jobId(), request.machineId(), e.getMessage())).join();
            }
            throw e;
          }
          ctx.publish(new MachineStarted(request.jobId(), request.machineId(), runId));
          ctx.publish(new CreateAlarm(request.machineId(), request.jobId(), "spindle-temperature-celsius", 85.0));
        });
  }

  /** The dead-letter topic of the worker's subscription. */
  String deadLetterTopic() {
    return "jobs.requests." + group + ".dlt";
  }
}
