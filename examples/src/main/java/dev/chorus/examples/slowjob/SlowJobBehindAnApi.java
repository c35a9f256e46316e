package dev.chorus.examples.slowjob;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.DeadLetter;
import dev.chorus.EventFlow;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Narrator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Scenario 2, a slow job behind an API: an HTTP client asks the job API to start machines. The API
 * answers {@code 202 Accepted} at once with the job's {@code Location}, and the client polls it
 * until the job is done or failed. Behind the API a worker calls the rate-limited machine
 * controller: for {@code press-7} it answers "429 Too Many Requests" twice and the worker's retry
 * with exponential backoff gets through on the third attempt; {@code press-9} does not exist, a
 * permanent failure that the worker does not retry: the job fails and the request lands in the
 * dead-letter topic. Each started machine chains a {@link CreateAlarm} to the alarm service.
 *
 * <p>Services, each with its own bus: {@code job-api} (HTTP, publishes
 * {@link StartMachineRequested}, consumes {@link JobStatusEvent}), {@code machine-worker} and
 * {@code alarm-service}.
 */
public final class SlowJobBehindAnApi {

  /** The job API's consumer group (status events), before an environment's run suffix. */
  static final String API = "job-api";
  /** The worker's consumer group. */
  static final String WORKER = "machine-worker";
  /** The alarm service's consumer group. */
  static final String ALARMS = "alarm-service";

  /** What the client asks for, in this order. */
  static final List<JobApi.StartJob> REQUESTS = List.of(
      new JobApi.StartJob("press-7", "warm-up"),
      new JobApi.StartJob("press-9", "cut-sheet-4mm"),
      new JobApi.StartJob("lathe-2", "turn-shaft-a"));

  private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(60);

  private SlowJobBehindAnApi() {}

  /**
   * The API's answer to one {@code POST /jobs}.
   *
   * @param status the HTTP status
   * @param location the {@code Location} header, or null
   * @param job the job in the body
   */
  public record Accepted(int status, String location, JobView job) {}

  /**
   * What the scenario did.
   *
   * @param accepted the API's answers to the client's requests, in order
   * @param finished each job's final state, as the client last read it, in request order
   * @param controllerCalls every call the worker made to the machine controller and its answer
   * @param alarms the alarms the alarm service armed
   * @param deadLetterTopic the worker's dead-letter topic
   * @param deadLetters the dead letters read back from that topic
   * @param flow the scenario's flow map
   */
  public record Result(List<Accepted> accepted, List<JobView> finished, List<String> controllerCalls,
      List<AlarmCreated> alarms, String deadLetterTopic, List<DeadLetter> deadLetters, EventFlow flow) {

    /**
     * Copies the lists.
     *
     * @param accepted see {@link #accepted()}
     * @param finished see {@link #finished()}
     * @param controllerCalls see {@link #controllerCalls()}
     * @param alarms see {@link #alarms()}
     * @param deadLetterTopic see {@link #deadLetterTopic()}
     * @param deadLetters see {@link #deadLetters()}
     * @param flow see {@link #flow()}
     */
    public Result {
      accepted = List.copyOf(accepted);
      finished = List.copyOf(finished);
      controllerCalls = List.copyOf(controllerCalls);
      alarms = List.copyOf(alarms);
      Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
      deadLetters = List.copyOf(deadLetters);
      Objects.requireNonNull(flow, "flow");
    }
  }

  /**
   * Runs the scenario against a fleet of {@code press-7} (rate limited for two calls) and
   * {@code lathe-2}, and narrates it.
   *
   * @param env where the services run
   * @param out where the narrative goes
   * @return what happened
   * @throws IOException if an HTTP exchange fails
   * @throws InterruptedException if interrupted while waiting for an answer
   * @throws IllegalStateException if a job or the scenario does not finish within 60 s
   */
  public static Result run(Environment env, PrintStream out) throws IOException, InterruptedException {
    return run(env, out, new MachineController(Set.of("press-7", "lathe-2"), Map.of("press-7", 2)));
  }

  static Result run(Environment env, PrintStream out, MachineController controller)
      throws IOException, InterruptedException {
    Narrator narrator = new Narrator(out, env.clock(), Narrator.Mode.EVERY_EVENT);
    MachineWorker worker = new MachineWorker(env.bus("machine-worker", narrator), env.group(WORKER), controller);
    AlarmService alarms = new AlarmService(env.bus("alarm-service", narrator), env.group(ALARMS));
    worker.start();
    alarms.start();
    ObjectMapper json = new ObjectMapper();
    List<Accepted> accepted = new ArrayList<>();
    List<JobView> finished = new ArrayList<>();
    try (JobApi api = new JobApi(env.bus("job-api", narrator), env.group(API), env.clock())) {
      URI base = api.start();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/health"))
          .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
      out.println("The job API listens on " + base + " (GET /health -> " + health.statusCode() + " " + health.body()
          + "); the client submits three jobs:");
      for (JobApi.StartJob request : REQUESTS) {
        String body = json.writeValueAsString(request);
        long sent = System.nanoTime();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/jobs"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        long took = Duration.ofNanos(System.nanoTime() - sent).toMillis();
        String location = response.headers().firstValue("Location").orElse(null);
        if (response.statusCode() != 202) {
          throw new IllegalStateException("the API refused " + body + ": " + response.statusCode() + " "
              + response.body());
        }
        JobView job = json.readValue(response.body(), JobView.class);
        narrator.say("client", "POST /jobs " + body + " -> " + response.statusCode() + " in " + took
            + " ms (wall clock), Location: " + location + ", body: " + job.jobId() + " " + job.status());
        accepted.add(new Accepted(response.statusCode(), location, job));
      }
      for (Accepted job : accepted) {
        finished.add(pollUntilFinal(http, base.resolve(job.location()), job.location(), json, narrator));
      }
    }
    env.settle();
    narrator.flush();

    String deadLetterTopic = worker.deadLetterTopic();
    Result result = new Result(accepted, finished, controller.calls(), alarms.alarms(), deadLetterTopic,
        env.deadLetters(deadLetterTopic), env.flow());
    out.println();
    out.println("What the services recorded:");
    out.println("  machine-controller calls, in order: " + String.join(", ", result.controllerCalls()));
    for (JobView job : result.finished()) {
      out.println("  job-api            " + job.jobId() + " " + job.status() + " (" + job.detail() + "), history "
          + job.history());
    }
    for (AlarmCreated alarm : result.alarms()) {
      out.println("  alarm-service      " + alarm.alarmId() + " armed for " + alarm.machineId() + " (" + alarm.jobId()
          + "): " + alarm.metric() + " above " + alarm.threshold());
    }
    out.println("Dead-letter topic " + deadLetterTopic + ", read back from the transport: "
        + result.deadLetters().size() + " record(s)");
    for (DeadLetter letter : result.deadLetters()) {
      DeadLetter.Failure failure = letter.failure();
      out.println("  key " + letter.metadata().key() + ", type " + letter.metadata().type() + ", from "
          + letter.topic() + "[" + letter.partition() + "]@" + letter.offset() + ", group " + letter.group());
      out.println("  reason " + failure.reason() + " after " + failure.attempts() + " attempt(s): "
          + failure.exceptionClass() + ": " + failure.message());
      out.println("  payload " + letter.payload(StartMachineRequested.class));
    }
    narrator.printFlowMap(result.flow());
    return result;
  }

  /** Reads the job, then long-polls until its status is final, printing every status it sees. */
  private static JobView pollUntilFinal(HttpClient http, URI uri, String path, ObjectMapper json, Narrator narrator)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + CLIENT_DEADLINE.toNanos();
    JobView job = get(http, uri, json);
    narrator.say("client", "GET " + path + " -> 200 " + job.status() + " (" + job.detail() + ")");
    while (!job.status().isFinal()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(path + " is still " + job.status() + " after " + CLIENT_DEADLINE.toSeconds()
            + " s");
      }
      JobView next = get(http, URI.create(uri + "?changedFrom=" + job.status()), json);
      if (next.status() != job.status()) {
        narrator.say("client", "GET " + path + "?changedFrom=" + job.status() + " -> 200 " + next.status() + " ("
            + next.detail() + ")");
      }
      job = next;
    }
    return job;
  }

  private static JobView get(HttpClient http, URI uri, ObjectMapper json) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + " " + response.body());
    }
    return json.readValue(response.body(), JobView.class);
  }
}
