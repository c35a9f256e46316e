package dev.chorus.reliability;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.kafka.KafkaTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A subscriber application run as its own JVM by the reliability scenarios: it subscribes to
 * {@link Tick} on Kafka and records every handler call and dead letter in its ledger file.
 *
 * <p>Arguments are {@code name=value} pairs: {@code bootstrap}, {@code group}, {@code instance}
 * (names the ledger file), {@code dir} (ledger directory), and optionally {@code concurrency}
 * (default 4), {@code maxAttempts} (3), {@code retryDelayMs} (20), {@code workMicros} (time each
 * handler call takes, 0), {@code failEvery}/{@code failFirst} (events whose id is a multiple of
 * {@code failEvery} fail their first {@code failFirst} attempts), {@code failProbability} and
 * {@code seed} (each attempt fails with that probability, decided by a seeded random of the
 * event id and attempt, so a run can be replayed), {@code sessionTimeoutMs} (6000).
 *
 * <p>Protocol with the parent: once subscribed it creates {@code <instance>.ready} in the ledger
 * directory; a line {@code STOP} on standard input closes the bus cleanly and exits with status
 * 0; the end of standard input (the parent died) does the same.
 */
public final class SubscriberMain {

  private SubscriberMain() {}

  /**
   * Runs the subscriber until told to stop.
   *
   * @param args {@code name=value} settings, see the class description
   * @throws IOException if the ledger cannot be written
   */
  public static void main(String[] args) throws IOException {
    Map<String, String> settings = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      settings.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String instance = settings.get("instance");
    Path dir = Path.of(settings.get("dir"));
    int concurrency = Integer.parseInt(settings.getOrDefault("concurrency", "4"));
    int maxAttempts = Integer.parseInt(settings.getOrDefault("maxAttempts", "3"));
    long retryDelayMs = Long.parseLong(settings.getOrDefault("retryDelayMs", "20"));
    long workMicros = Long.parseLong(settings.getOrDefault("workMicros", "0"));
    long failEvery = Long.parseLong(settings.getOrDefault("failEvery", "0"));
    int failFirst = Integer.parseInt(settings.getOrDefault("failFirst", "0"));
    double failProbability = Double.parseDouble(settings.getOrDefault("failProbability", "0"));
    long seed = Long.parseLong(settings.getOrDefault("seed", "1"));

    Ledger.Writer ledger = new Ledger.Writer(dir, instance);
    KafkaTransport transport = KafkaTransport.builder()
        .bootstrapServers(settings.get("bootstrap"))
        .clientId(instance)
        .createTopics(false)
        .property("session.timeout.ms", Integer.parseInt(settings.getOrDefault("sessionTimeoutMs", "6000")))
        .property("heartbeat.interval.ms", 1000)
        .build();
    EventBus bus = EventBus.builder().transport(transport).source("reliability/" + instance)
        .listener(new EventBusListener() {
          @Override
          public void onDeadLettered(DeadLetter deadLetter, String topic) {
            Tick tick = deadLetter.payload(Tick.class);
            ledger.deadLettered(tick.id(), deadLetter.failure().reason().name());
          }
        }).build();
    bus.subscribe(Tick.class).group(settings.get("group")).concurrency(concurrency)
        .retry(RetryPolicy.fixed(maxAttempts, Duration.ofMillis(retryDelayMs)))
        .startFrom(StartPosition.EARLIEST)
        .handle((tick, context) -> {
          int attempt = context.attempt();
          if (workMicros > 0) {
            LockSupport.parkNanos(workMicros * 1000);
          }
          boolean fail = (failEvery > 0 && tick.id() % failEvery == 0 && attempt <= failFirst)
              || (failProbability > 0
                  && new SplittableRandom(seed * 1_000_003L + tick.id() * 31 + attempt).nextDouble() < failProbability);
          ledger.call(tick.id(), attempt, !fail);
          if (fail) {
            throw new IllegalStateException("injected failure of " + tick.id() + " attempt " + attempt);
          }
        });
    Files.createFile(dir.resolve(instance + ".ready"));

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    do {
      line = in.readLine();
    } while (line != null && !line.strip().equals("STOP"));
    bus.close();
    ledger.close();
    System.out.println("STOPPED " + instance);
    System.exit(0);
  }
}
