package dev.chorus.examples.slowjob;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chorus.EventBus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The job API: a plain JDK {@link HttpServer} on 127.0.0.1 in front of a slow job.
 *
 * <ul>
 *   <li>{@code POST /jobs} with {@code {"machineId": "...", "program": "..."}} creates a job,
 *       publishes {@link StartMachineRequested}, and answers at once {@code 202 Accepted} with the
 *       job ({@code PENDING}) and its {@code Location}; it answers only after the transport
 *       durably accepted the request, so an accepted job is never lost;
 *   <li>{@code GET /jobs/{id}} answers the job's current state; with {@code ?changedFrom=STATUS}
 *       it waits (up to 10 s) until the status is another one: long polling, so a client sees each
 *       change without polling in a loop;
 *   <li>{@code GET /health} answers {@code 200} once the API is up.
 * </ul>
 *
 * <p>The API learns how its jobs progress only from the worker's {@link JobStatusEvent}s.
 */
final class JobApi implements AutoCloseable {

  private static final Duration LONG_POLL = Duration.ofSeconds(10);
  private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);

  private final EventBus bus;
  private final String group;
  private final Clock clock;
  private final JobStore store = new JobStore();
  private final ObjectMapper json = new ObjectMapper();
  private HttpServer server;
  private ExecutorService executor;

  /** The body of {@code POST /jobs}. */
  record StartJob(String machineId, String program) {}

  JobApi(EventBus bus, String group, Clock clock) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Subscribes to the job status events and starts the HTTP server on a free port.
   *
   * @return the base URI, such as {@code http://127.0.0.1:40123}
   */
  URI start() throws IOException {
    bus.subscribe(JobStatusEvent.class).group(group).handle((event, ctx) -> store.apply(event));
    AtomicInteger threads = new AtomicInteger();
    executor = Executors.newFixedThreadPool(8, task -> {
      Thread thread = new Thread(task, "job-api-http-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/jobs", this::exchange);
    server.createContext("/health", exchange -> {
      try {
        send(exchange, 200, json.writeValueAsBytes(Map.of("status", "UP")));
      } finally {
        exchange.close();
      }
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Stops the HTTP server; the bus belongs to the environment. */
  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  private void exchange(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/jobs")) {
        if (method.equals("POST")) {
          submit(exchange);
        } else {
          exchange.getResponseHeaders().set("Allow", "POST");
          error(exchange, 405, "use POST /jobs");
        }
      } else if (path.startsWith("/jobs/") && path.indexOf('/', 6) < 0) {
        if (method.equals("GET")) {
          status(exchange, path.substring(6));
        } else {
          exchange.getResponseHeaders().set("Allow", "GET");
          error(exchange, 405, "use GET /jobs/{id}");
        }
      } else {
        error(exchange, 404, "no such resource: " + path);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      exchange.close();
    }
  }

  private void submit(HttpExchange exchange) throws IOException {
    StartJob request;
    try (InputStream body = exchange.getRequestBody()) {
      request = json.readValue(body.readNBytes(64 * 1024), StartJob.class);
    } catch (JsonProcessingException e) {
      error(exchange, 400, "expected {\"machineId\": \"...\", \"program\": \"...\"}");
      return;
    }
    if (request.machineId() == null || request.machineId().isBlank() || request.program() == null) {
      error(exchange, 400, "machineId and program are required");
      return;
    }
    JobView job = store.create(request.machineId(), request.program());
    try {
      bus.publish(new StartMachineRequested(job.jobId(), job.machineId(), job.program(), clock.instant()))
          .get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      store.fail(job.jobId(), "interrupted while queueing the request");
      error(exchange, 503, "the request could not be queued");
      return;
    } catch (ExecutionException | TimeoutException e) {
      store.fail(job.jobId(), "the request could not be queued: " + e);
      error(exchange, 503, "the request could not be queued; try again later");
      return;
    }
    exchange.getResponseHeaders().set("Location", "/jobs/" + job.jobId());
    send(exchange, 202, json.writeValueAsBytes(job));
  }

  private void status(HttpExchange exchange, String jobId) throws IOException, InterruptedException {
    String query = exchange.getRequestURI().getQuery();
    JobStatus from = null;
    if (query != null && query.startsWith("changedFrom=")) {
      try {
        from = JobStatus.valueOf(query.substring("changedFrom=".length()));
      } catch (IllegalArgumentException e) {
        error(exchange, 400, "changedFrom must be one of PENDING, RUNNING, DONE, FAILED");
        return;
      }
    }
    JobView job = store.await(jobId, from, LONG_POLL);
    if (job == null) {
      error(exchange, 404, "no job " + jobId);
      return;
    }
    send(exchange, 200, json.writeValueAsBytes(job));
  }

  private void error(HttpExchange exchange, int status, String message) throws IOException {
    send(exchange, status, json.writeValueAsBytes(Map.of("error", message)));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
