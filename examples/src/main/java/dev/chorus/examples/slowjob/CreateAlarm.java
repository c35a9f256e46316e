package dev.chorus.examples.slowjob;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * A started machine must be monitored: the worker asks for an alarm on one of its metrics. Keyed
 * by machine id.
 *
 * @param machineId the machine to watch
 * @param jobId the job that started it
 * @param metric the metric to watch
 * @param threshold the value above which the alarm fires
 */
@EventType(value = "alarms.create-alarm", topic = "alarms.commands")
public record CreateAlarm(@EventKey String machineId, String jobId, String metric, double threshold) {}
