package dev.chorus.examples.slowjob;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The alarm service armed an alarm. Keyed by machine id.
 *
 * @param machineId the watched machine
 * @param alarmId the alarm
 * @param jobId the job whose start asked for it
 * @param metric the watched metric
 * @param threshold the value above which it fires
 */
@EventType(value = "alarms.alarm-created", topic = "alarms.events")
public record AlarmCreated(@EventKey String machineId, String alarmId, String jobId, String metric,
    double threshold) {}
