package dev.chorus.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void runsEveryScenarioInMemoryAndEndsEachWithItsFlowMap() throws Exception {
    Output out = new Output();

    Main.run(new String[0], out.stream());

    List<String> lines = out.lines();
    assertThat(lines).filteredOn(line -> line.startsWith("=== ")).containsExactly(
        "=== 1. Payment choreography ===",
        "=== 2. Slow job behind an API ===",
        "=== 3. Order lifecycle, several instances of one group ===",
        "=== 4. Saga by choreography, with compensation ===",
        "=== Summary ===");
    assertThat(lines).filteredOn(line -> line.equals("```mermaid")).hasSize(4);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).equals("```mermaid")) {
        assertThat(lines.get(i + 1)).isEqualTo("flowchart LR");
      }
    }
    assertThat(sectionOf(lines, 1)).contains("s_payment_service -- \"6\" --> t_payments_payment_validated",
        "t_payments_payment_validated --> g_payment_analytics");
    assertThat(sectionOf(lines, 2)).contains("g_machine_worker -- \"2\" --> t_alarms_create_alarm",
        "t_jobs_start_machine_requested --> g_machine_worker");
    assertThat(sectionOf(lines, 3)).contains("s_order_desk -- \"200\" --> t_sales_order_created",
        "t_sales_order_modified --> g_order_history");
    assertThat(sectionOf(lines, 4)).contains("g_contract_service -- \"2\" --> t_contracts_contract_cancelled",
        "t_customer_checks_failed --> g_contract_service");
    assertThat(lines).containsSubsequence(
        "=== Summary ===",
        "1. payments: 6 orders created, points for 3 customers; payment-analytics, added later, counted 3 payments",
        "2. slow job: job-1 DONE, job-2 FAILED, job-3 DONE; 2 calls rate limited (429) and retried; dead letters: "
            + "[job-2 NON_RETRYABLE]",
        "3. order lifecycle: 600 events of 200 orders over 3 instances; ordering check PASSED",
        "4. saga: 3 contracts activated, 2 cancelled by compensation (billing voided 2 draft accounts)");
    assertThat(out.narrated()).contains(
        "machine-worker failed jobs.start-machine-requested job-1 attempt 2 threw ControllerException: 429 Too Many "
            + "Requests: the controller's rate limit for press-7 is exhausted; next attempt in 1000 ms",
        "machine-worker DEAD-LETTER jobs.start-machine-requested job-2 -> jobs.requests.machine-worker.dlt: "
            + "NON_RETRYABLE after 1 attempt (404 Not Found: the fleet has no machine press-9)");
  }

  @Test
  void printsUsageOnHelpAndRejectsUnknownOrIncompleteOptions() throws Exception {
    Output out = new Output();

    Main.run(new String[] {"--help"}, out.stream());

    assertThat(out.lines()).contains("--kafka                       start an embedded Kafka broker "
        + "(chorus-kafka-testkit) and run them on it");
    assertThatThrownBy(() -> Main.run(new String[] {"--kafak"}, new Output().stream()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("unknown option --kafak\nUsage: ");
    assertThatThrownBy(() -> Main.run(new String[] {"--bootstrap-servers"}, new Output().stream()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--bootstrap-servers needs host:port");
    assertThatThrownBy(() -> Main.run(new String[] {"--kafka", "--bootstrap-servers", "h:9092"},
        new Output().stream()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("use either --kafka or --bootstrap-servers");
  }

  /** The lines of scenario {@code number}: from its heading to the next one. */
  private static List<String> sectionOf(List<String> lines, int number) {
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("=== " + number + ".")) {
        start = i;
      } else if (start >= 0 && lines.get(i).startsWith("=== ")) {
        return lines.subList(start, i);
      }
    }
    throw new AssertionError("no section " + number);
  }
}
