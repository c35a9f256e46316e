package dev.chorus.examples.slowjob;

import dev.chorus.EventKey;
import dev.chorus.EventType;
import java.time.Instant;

/**
 * The job API accepted a request to start a machine with a program; a worker will do it. Keyed by
 * job id.
 *
 * @param jobId the job the API created for the request
 * @param machineId the machine to start
 * @param program the program to run on it
 * @param requestedAt when the API accepted the request
 */
@EventType(value = "jobs.start-machine-requested", topic = "jobs.requests")
public record StartMachineRequested(@EventKey String jobId, String machineId, String program, Instant requestedAt) {}
