package dev.chorus.examples.slowjob;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The machine controller started the machine of a job: the job is done.
 *
 * @param jobId the job
 * @param machineId the machine
 * @param runId the controller's id of the program run
 */
@EventType(value = "jobs.machine-started", topic = "jobs.status")
public record MachineStarted(@EventKey String jobId, String machineId, String runId) implements JobStatusEvent {}
