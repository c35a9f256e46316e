package dev.chorus.examples.slowjob;

import static dev.chorus.testkit.ChorusAssertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.chorus.DeadLetter;
import dev.chorus.EventFlow;
import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.ChorusTest;
import dev.chorus.testkit.TestEventBus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

@ChorusTest
class SlowJobBehindAnApiTest {

  static final String DLT = "jobs.requests.machine-worker.dlt";

  @Test
  void acceptsAtOnceRetriesTheRateLimitedCallWithBackoffAndDeadLettersThePermanentFailure(
      InMemoryTransport transport, VirtualClock clock) throws Exception {
    RecordingBuses buses = new RecordingBuses(clock);
    Output out = new Output();
    SlowJobBehindAnApi.Result result;
    try (Environment env = Environment.inMemory(transport, clock).buildBusesWith(buses)) {
      result = SlowJobBehindAnApi.run(env, out.stream());
    }

    assertThat(result.accepted()).extracting(SlowJobBehindAnApi.Accepted::status).containsExactly(202, 202, 202);
    assertThat(result.accepted()).extracting(SlowJobBehindAnApi.Accepted::location)
        .containsExactly("/jobs/job-1", "/jobs/job-2", "/jobs/job-3");
    assertThat(result.accepted()).extracting(SlowJobBehindAnApi.Accepted::job).containsExactly(
        new JobView("job-1", "press-7", "warm-up", JobStatus.PENDING, "queued", List.of(JobStatus.PENDING)),
        new JobView("job-2", "press-9", "cut-sheet-4mm", JobStatus.PENDING, "queued", List.of(JobStatus.PENDING)),
        new JobView("job-3", "lathe-2", "turn-shaft-a", JobStatus.PENDING, "queued", List.of(JobStatus.PENDING)));
    assertThat(result.finished()).containsExactly(
        new JobView("job-1", "press-7", "warm-up", JobStatus.DONE, "press-7 runs press-7-run-1",
            List.of(JobStatus.PENDING, JobStatus.RUNNING, JobStatus.DONE)),
        new JobView("job-2", "press-9", "cut-sheet-4mm", JobStatus.FAILED,
            "404 Not Found: the fleet has no machine press-9",
            List.of(JobStatus.PENDING, JobStatus.RUNNING, JobStatus.FAILED)),
        new JobView("job-3", "lathe-2", "turn-shaft-a", JobStatus.DONE, "lathe-2 runs lathe-2-run-1",
            List.of(JobStatus.PENDING, JobStatus.RUNNING, JobStatus.DONE)));
    assertThat(result.controllerCalls()).containsExactlyInAnyOrder(
        "press-7 -> 429", "press-7 -> 429", "press-7 -> 200", "press-9 -> 404", "lathe-2 -> 200");
    assertThat(result.controllerCalls().stream().filter(call -> call.startsWith("press-7")))
        .containsExactly("press-7 -> 429", "press-7 -> 429", "press-7 -> 200");

    TestEventBus worker = buses.of("machine-worker");
    assertThat(worker).retries("machine-worker")
        .retriedWithDelays(Duration.ofMillis(500), Duration.ofMillis(1000))
        .causes().allSatisfy(cause -> assertThat(cause).isInstanceOf(ControllerException.class)
            .hasMessage("429 Too Many Requests: the controller's rate limit for press-7 is exhausted"));
    StartMachineRequested job1 = request(worker, "job-1");
    assertThat(worker).handling("machine-worker", job1).hasAttempts(3)
        .retriedWithDelays(Duration.ofMillis(500), Duration.ofMillis(1000)).isHandled();
    assertThat(worker).deadLetters("machine-worker").singleElement()
        .hasReason(DeadLetter.Reason.NON_RETRYABLE)
        .hasAttempts(1)
        .hasExceptionOfType(ControllerException.class)
        .hasMessage("404 Not Found: the fleet has no machine press-9")
        .hasKey("job-2");
    assertThat(result.deadLetterTopic()).isEqualTo(DLT);
    assertThat(result.deadLetters()).as("read back from " + DLT).containsExactlyElementsOf(worker.deadLetters());
    assertThat(result.deadLetters().get(0).payload(StartMachineRequested.class)).isEqualTo(request(worker, "job-2"));
    assertThat(worker).published(CreateAlarm.class).containsExactlyInAnyOrder(
        new CreateAlarm("press-7", "job-1", "spindle-temperature-celsius", 85.0),
        new CreateAlarm("lathe-2", "job-3", "spindle-temperature-celsius", 85.0));
    assertThat(worker).published(JobFailed.class).containsExactly(
        new JobFailed("job-2", "press-9", "404 Not Found: the fleet has no machine press-9"));

    assertThat(result.alarms()).containsExactly(
        new AlarmCreated("lathe-2", "alarm-lathe-2-spindle-temperature-celsius", "job-3", "spindle-temperature-celsius",
            85.0),
        new AlarmCreated("press-7", "alarm-press-7-spindle-temperature-celsius", "job-1", "spindle-temperature-celsius",
            85.0));
    TestEventBus api = buses.of("job-api");
    assertThat(api).published(StartMachineRequested.class).extracting(StartMachineRequested::jobId)
        .containsExactly("job-1", "job-2", "job-3");
    assertThat(api).handled("job-api", JobStatusEvent.class).hasSize(8);

    EventFlow flow = result.flow();
    assertThat(flow.emits()).containsExactly(new EventFlow.Emits("job-api", "jobs.start-machine-requested", 3));
    assertThat(flow.publishes()).containsExactly(
        new EventFlow.Publishes("alarm-service", "alarms.alarm-created", 2),
        new EventFlow.Publishes("machine-worker", "alarms.create-alarm", 2),
        new EventFlow.Publishes("machine-worker", "jobs.job-failed", 1),
        new EventFlow.Publishes("machine-worker", "jobs.job-running", 5),
        new EventFlow.Publishes("machine-worker", "jobs.machine-started", 2));

    assertThat(out.narrated()).contains(
        "machine-worker failed jobs.start-machine-requested job-1 attempt 1 threw ControllerException: 429 Too Many "
            + "Requests: the controller's rate limit for press-7 is exhausted; next attempt in 500 ms",
        "machine-worker failed jobs.start-machine-requested job-1 attempt 2 threw ControllerException: 429 Too Many "
            + "Requests: the controller's rate limit for press-7 is exhausted; next attempt in 1000 ms",
        "machine-worker handled jobs.start-machine-requested job-1 on attempt 3",
        "machine-worker DEAD-LETTER jobs.start-machine-requested job-2 -> " + DLT + ": NON_RETRYABLE after 1 attempt "
            + "(404 Not Found: the fleet has no machine press-9)");
    assertThat(out.lines()).contains(
        "reason NON_RETRYABLE after 1 attempt(s): dev.chorus.examples.slowjob.ControllerException: 404 Not Found: the "
            + "fleet has no machine press-9",
        "g_machine_worker -- \"2\" --> t_alarms_create_alarm");
    buses.haveNoUnassertedFailures();
  }

  @Test
  void givesUpOnARateLimitThatNeverLiftsAfterFourAttemptsAndReportsTheJobFailed(InMemoryTransport transport,
      VirtualClock clock) throws Exception {
    RecordingBuses buses = new RecordingBuses(clock);
    MachineController alwaysThrottled = new MachineController(Set.of("press-7", "lathe-2"), Map.of("press-7", 100));
    SlowJobBehindAnApi.Result result;
    try (Environment env = Environment.inMemory(transport, clock).buildBusesWith(buses)) {
      result = SlowJobBehindAnApi.run(env, new Output().stream(), alwaysThrottled);
    }

    String exhausted = "429 Too Many Requests: the controller's rate limit for press-7 is exhausted";
    assertThat(result.finished()).extracting(JobView::jobId, JobView::status, JobView::detail).containsExactly(
        tuple("job-1", JobStatus.FAILED, exhausted),
        tuple("job-2", JobStatus.FAILED, "404 Not Found: the fleet has no machine press-9"),
        tuple("job-3", JobStatus.DONE, "lathe-2 runs lathe-2-run-1"));
    TestEventBus worker = buses.of("machine-worker");
    assertThat(worker).handling("machine-worker", request(worker, "job-1")).hasAttempts(4)
        .retriedWithDelays(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2000)).isDeadLettered()
        .deadLetter().hasReason(DeadLetter.Reason.HANDLER_FAILED).hasAttempts(4).hasMessage(exhausted);
    assertThat(worker).deadLetters("machine-worker").hasSize(2);
    assertThat(result.deadLetters()).extracting(letter -> letter.metadata().key(), letter -> letter.failure().reason())
        .containsExactlyInAnyOrder(
            tuple("job-1", DeadLetter.Reason.HANDLER_FAILED),
            tuple("job-2", DeadLetter.Reason.NON_RETRYABLE));
    buses.haveNoUnassertedFailures();
  }

  @Test
  void answersMalformedRequestsUnknownJobsAndWrongMethodsWithClearErrors(TestEventBus bus) throws Exception {
    try (JobApi api = new JobApi(bus, "job-api", bus.clock().orElseThrow())) {
      URI base = api.start();
      HttpClient http = HttpClient.newHttpClient();

      HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(base.resolve("/jobs"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"machine\": ")).build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> incomplete = http.send(HttpRequest.newBuilder(base.resolve("/jobs"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"program\": \"warm-up\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(base.resolve("/jobs/job-42")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> badQuery = http.send(HttpRequest.newBuilder(base.resolve("/jobs/job-42?changedFrom=LATE"))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(base.resolve("/jobs")).GET().build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(malformed.statusCode()).isEqualTo(400);
      assertThat(malformed.body()).isEqualTo("{\"error\":\"expected {\\\"machineId\\\": \\\"...\\\", \\\"program\\\": "
          + "\\\"...\\\"}\"}");
      assertThat(incomplete.statusCode()).isEqualTo(400);
      assertThat(incomplete.body()).isEqualTo("{\"error\":\"machineId and program are required\"}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).isEqualTo("{\"error\":\"no job job-42\"}");
      assertThat(badQuery.statusCode()).isEqualTo(400);
      assertThat(wrongMethod.statusCode()).isEqualTo(405);
      assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
      assertThat(bus).published(StartMachineRequested.class).isEmpty();
    }
  }

  private static StartMachineRequested request(TestEventBus worker, String jobId) {
    return worker.attempts().stream().map(TestEventBus.HandlingAttempt::event)
        .filter(StartMachineRequested.class::isInstance).map(StartMachineRequested.class::cast)
        .filter(request -> request.jobId().equals(jobId)).findFirst().orElseThrow();
  }
}
