package dev.chorus.examples.slowjob;

import dev.chorus.EventBus;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The monitoring side: arms an alarm for each {@link CreateAlarm} and reports it with
 * {@link AlarmCreated}. One alarm per machine and metric, so a redelivered request arms nothing
 * twice.
 */
final class AlarmService {

  private final EventBus bus;
  private final String group;
  private final Map<String, AlarmCreated> alarms = new ConcurrentHashMap<>();

  AlarmService(EventBus bus, String group) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
  }

  void start() {
    bus.subscribe(CreateAlarm.class)
        .group(group)
        .handle((request, ctx) -> {
          String alarmId = "alarm-" + request.machineId() + "-" + request.metric();
          AlarmCreated alarm = alarms.computeIfAbsent(alarmId, id -> new AlarmCreated(request.machineId(), id,
              request.jobId(), request.metric(), request.threshold()));
          ctx.publish(alarm);
        });
  }

  /** The armed alarms, by alarm id. */
  List<AlarmCreated> alarms() {
    return alarms.values().stream().sorted(Comparator.comparing(AlarmCreated::alarmId)).toList();
  }
}
