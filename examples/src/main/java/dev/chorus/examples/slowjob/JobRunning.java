package dev.chorus.examples.slowjob;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The worker is trying to start the machine of a job; published at the start of every attempt.
 *
 * @param jobId the job
 * @param machineId the machine
 * @param attempt the worker's attempt, 1-based
 */
@EventType(value = "jobs.job-running", topic = "jobs.status")
public record JobRunning(@EventKey String jobId, String machineId, int attempt) implements JobStatusEvent {}
