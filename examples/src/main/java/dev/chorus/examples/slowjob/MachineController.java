package dev.chorus.examples.slowjob;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stand-in for the fleet's machine controller, a slow and rate-limited external HTTP API that
 * the worker calls to start machines. It knows a fixed set of machines (404 for others), and
 * answers "429 Too Many Requests" to a given number of calls per machine before it lets one
 * through: the rate limit, made deterministic for the example. Thread-safe; keeps a log of every
 * call and its answer.
 */
final class MachineController {

  private final Set<String> machines;
  private final Map<String, Integer> throttledCalls;
  private final List<String> calls = new ArrayList<>();
  private final Map<String, Integer> runs = new HashMap<>();

  /**
   * A controller for a fleet.
   *
   * @param machines the machines it knows
   * @param throttledCalls per machine, how many calls it answers with 429 before accepting one
   */
  MachineController(Set<String> machines, Map<String, Integer> throttledCalls) {
    this.machines = Set.copyOf(machines);
    this.throttledCalls = new HashMap<>(throttledCalls);
  }

  /**
   * Starts a program on a machine.
   *
   * @return the id of the program run: the machine id, {@code -run-} and the machine's run count
   * @throws ControllerException with status 404 for an unknown machine, 429 while rate limited
   */
  synchronized String start(String machineId, String program) throws ControllerException {
    if (!machines.contains(machineId)) {
      calls.add(machineId + " -> 404");
      throw new ControllerException(404, "404 Not Found: the fleet has no machine " + machineId);
    }
    int throttled = throttledCalls.getOrDefault(machineId, 0);
    if (throttled > 0) {
      throttledCalls.put(machineId, throttled - 1);
      calls.add(machineId + " -> 429");
      throw new ControllerException(429, "429 Too Many Requests: the controller's rate limit for " + machineId
          + " is exhausted");
    }
    calls.add(machineId + " -> 200");
    return machineId + "-run-" + runs.merge(machineId, 1, Integer::sum);
  }

  /** Every call so far and the status it got, such as {@code "press-7 -> 429"}. */
  synchronized List<String> calls() {
    return List.copyOf(calls);
  }
}
