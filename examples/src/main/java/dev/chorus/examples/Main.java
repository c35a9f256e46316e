package dev.chorus.examples;

import dev.chorus.examples.orders.OrderLifecycle;
import dev.chorus.examples.payments.PaymentChoreography;
import dev.chorus.examples.saga.AccountStatus;
import dev.chorus.examples.saga.ContractSaga;
import dev.chorus.examples.saga.ContractStatus;
import dev.chorus.examples.slowjob.SlowJobBehindAnApi;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Runs the four example scenarios and narrates what happened: who published what, who handled
 * it, retries with their delays, dead letters with their reasons, and each scenario's flow map as
 * Mermaid text.
 *
 * <pre>
 * mvn -B -q -pl examples -am compile exec:java                                          # in memory
 * mvn -B -q -pl examples -am compile exec:java -Dexec.args="--kafka"                    # embedded broker
 * mvn -B -q -pl examples -am compile exec:java -Dexec.args="--bootstrap-servers h:9092" # your cluster
 * </pre>
 *
 * <p>In memory every scenario gets a fresh transport. On Kafka every service gets its own client,
 * and every consumer group the suffix of this run, so that reruns against a persistent cluster
 * never share a group. Time is the system clock: retry delays are real waits.
 */
public final class Main {

  private static final String USAGE = String.join("\n",
      "Usage: mvn -B -q -pl examples -am compile exec:java [-Dexec.args=\"OPTION\"]",
      "  (no option)                   run the scenarios on the in-memory transport",
      "  --kafka                       start an embedded Kafka broker (chorus-kafka-testkit) and run them on it",
      "  --bootstrap-servers HOST:PORT run them on an existing Kafka cluster (topics are created if missing)",
      "  --help                        print this");

  private Main() {}

  /**
   * Runs every scenario, printing to standard output.
   *
   * @param args the options: none, {@code --kafka}, {@code --bootstrap-servers host:port} or
   *     {@code --help}
   * @throws Exception if a scenario fails
   */
  public static void main(String[] args) throws Exception {
    run(args, System.out);
  }

  /**
   * Runs every scenario, printing to {@code out}.
   *
   * @param args the options, as for {@link #main(String[])}
   * @param out where to print
   * @throws IllegalArgumentException if an option is unknown or incomplete
   * @throws IllegalStateException if a scenario's own check fails
   * @throws Exception if a scenario fails otherwise
   */
  public static void run(String[] args, PrintStream out) throws Exception {
    String bootstrapServers = null;
    boolean embedded = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--help" -> {
          out.println(USAGE);
          return;
        }
        case "--kafka" -> embedded = true;
        case "--bootstrap-servers" -> {
          if (i + 1 >= args.length || args[i + 1].isBlank() || args[i + 1].startsWith("--")) {
            throw new IllegalArgumentException("--bootstrap-servers needs host:port\n" + USAGE);
          }
          bootstrapServers = args[++i];
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
      }
    }
    if (embedded && bootstrapServers != null) {
      throw new IllegalArgumentException("use either --kafka or --bootstrap-servers\n" + USAGE);
    }

    Clock clock = Clock.systemUTC();
    String runId = UUID.randomUUID().toString().substring(0, 6);
    if (embedded) {
      out.println("Starting an embedded single-node Kafka broker (chorus-kafka-testkit)...");
      long started = System.nanoTime();
      try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
        out.printf(Locale.ROOT, "Kafka broker running on %s (started in %.1f s).%n", kafka.bootstrapServers(),
            Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0);
        runAll(() -> Environment.kafka(kafka.bootstrapServers(), runId, clock), kafkaIntro(runId), out);
      }
    } else if (bootstrapServers != null) {
      String servers = bootstrapServers;
      runAll(() -> Environment.kafka(servers, runId, clock), kafkaIntro(runId), out);
    } else {
      runAll(() -> Environment.inMemory(clock), "Transport: in memory, a fresh InMemoryTransport per scenario "
          + "(every service has its own bus on it).", out);
    }
  }

  private static String kafkaIntro(String runId) {
    return "Transport: Kafka. Every service has its own bus and KafkaTransport client (its own producer and "
        + "consumers); consumer groups carry this run's suffix -" + runId + ", so a rerun shares no group with "
        + "this one.";
  }

  private static void runAll(Supplier<Environment> environments, String transport, PrintStream out) throws Exception {
    out.println(transport);
    out.println("Time: the system clock, so retry delays are real waits (100 ms to 1 s here).");
    out.println("Narrated lines read: time since the scenario started, who (service or consumer group), what, "
        + "event type, key, details.");
    List<String> summary = new ArrayList<>();

    heading(out, 1, "Payment choreography");
    try (Environment env = environments.get()) {
      PaymentChoreography.Result result = PaymentChoreography.run(env, out);
      summary.add("1. payments: " + result.orders().size() + " orders created, points for "
          + result.loyaltyBalances().size() + " customers; payment-analytics, added later, counted "
          + result.paymentsPerHour().values().stream().mapToLong(Long::longValue).sum() + " payments");
    }

    heading(out, 2, "Slow job behind an API");
    try (Environment env = environments.get()) {
      SlowJobBehindAnApi.Result result = SlowJobBehindAnApi.run(env, out);
      summary.add("2. slow job: " + result.finished().stream().map(job -> job.jobId() + " " + job.status())
          .collect(Collectors.joining(", ")) + "; "
          + result.controllerCalls().stream().filter(call -> call.endsWith("429")).count() + " calls rate limited "
          + "(429) and retried; dead letters: " + result.deadLetters().stream()
              .map(letter -> letter.metadata().key() + " " + letter.failure().reason()).toList());
    }

    heading(out, 3, "Order lifecycle, several instances of one group");
    boolean ordered;
    try (Environment env = environments.get()) {
      OrderLifecycle.Result result = OrderLifecycle.run(env, out);
      ordered = result.check().passed();
      summary.add("3. order lifecycle: " + result.events() + " events of " + result.orders() + " orders over "
          + result.writesPerInstance().size() + " instances; ordering check " + (ordered ? "PASSED" : "FAILED"));
    }

    heading(out, 4, "Saga by choreography, with compensation");
    try (Environment env = environments.get()) {
      ContractSaga.Result result = ContractSaga.run(env, out);
      summary.add("4. saga: " + count(result.contracts().values(), ContractStatus.ACTIVE) + " contracts activated, "
          + count(result.contracts().values(), ContractStatus.CANCELLED) + " cancelled by compensation (billing "
          + "voided " + result.billingAccounts().values().stream()
              .filter(history -> history.contains(AccountStatus.VOIDED)).count() + " draft accounts)");
    }

    out.println();
    out.println("=== Summary ===");
    summary.forEach(line -> out.println("  " + line));
    if (!ordered) {
      throw new IllegalStateException("the order lifecycle's ordering check failed; see above");
    }
  }

  private static void heading(PrintStream out, int number, String title) {
    out.println();
    out.println("=== " + number + ". " + title + " ===");
  }

  private static long count(Collection<ContractStatus> statuses, ContractStatus status) {
    return statuses.stream().filter(status::equals).count();
  }
}
