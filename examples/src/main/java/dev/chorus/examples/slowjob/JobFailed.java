package dev.chorus.examples.slowjob;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The worker gave up on a job; the request itself went to the dead-letter topic.
 *
 * @param jobId the job
 * @param machineId the machine
 * @param reason why, as the machine controller said
 */
@EventType(value = "jobs.job-failed", topic = "jobs.status")
public record JobFailed(@EventKey String jobId, String machineId, String reason) implements JobStatusEvent {}
