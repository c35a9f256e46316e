package dev.chorus.examples;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.EventBus;
import dev.chorus.VirtualClock;
import dev.chorus.testkit.TestEventBus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds every service bus of an {@link Environment} as a recording {@link TestEventBus} on a
 * virtual clock, so that a test can assert, service by service, what each one published, handled,
 * retried and dead-lettered.
 */
public final class RecordingBuses implements Environment.BusFactory {

  private final VirtualClock clock;
  private final Map<String, List<TestEventBus>> buses = new LinkedHashMap<>();

  /**
   * Records buses that run on {@code clock}.
   *
   * @param clock the environment's virtual clock
   */
  public RecordingBuses(VirtualClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized EventBus build(String service, EventBus.Builder builder) {
    TestEventBus bus = TestEventBus.create(builder, clock);
    buses.computeIfAbsent(service, name -> new ArrayList<>()).add(bus);
    return bus;
  }

  /**
   * The bus of a service that has one.
   *
   * @param service the service name
   * @return its bus
   * @throws AssertionError unless exactly one bus was built for the service
   */
  public synchronized TestEventBus of(String service) {
    List<TestEventBus> instances = instancesOf(service);
    assertThat(instances).as("buses of " + service).hasSize(1);
    return instances.get(0);
  }

  /**
   * The buses of a service that runs as several instances, in the order they were built.
   *
   * @param service the service name
   * @return its buses
   */
  public synchronized List<TestEventBus> instancesOf(String service) {
    return List.copyOf(buses.getOrDefault(service, List.of()));
  }

  /** Verifies that no bus recorded a failure that no assertion looked at. */
  public synchronized void haveNoUnassertedFailures() {
    buses.values().forEach(instances -> instances.forEach(bus -> assertThat(bus).hasNoUnassertedFailures()));
  }
}
