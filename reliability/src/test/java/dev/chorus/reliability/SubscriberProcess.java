package dev.chorus.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A {@link SubscriberMain} running in a child JVM, seen from the test. */
final class SubscriberProcess implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  final String instance;
  private final Path dir;
  private final Process process;

  private SubscriberProcess(String instance, Path dir, Process process) {
    this.instance = instance;
    this.dir = dir;
    this.process = process;
  }

  /** Starts a subscriber and returns once it has joined its group (its ready file exists). */
  static SubscriberProcess start(Path dir, String instance, String bootstrap, String group,
      Map<String, String> settings) {
    List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        SubscriberMain.class.getName(), "bootstrap=" + bootstrap, "group=" + group, "instance=" + instance,
        "dir=" + dir));
    settings.forEach((name, value) -> command.add(name + "=" + value));
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve(instance + ".log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SubscriberProcess subscriber = new SubscriberProcess(instance, dir, process);
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    subscriber.awaitReady();
    return subscriber;
  }

  private void awaitReady() {
    Path ready = dir.resolve(instance + ".ready");
    Waits.until("subscriber " + instance + " ready", READY_TIMEOUT,
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("subscriber " + instance + " exited with status "
                + process.exitValue() + ":\n" + logTail());
          }
          return Files.exists(ready);
        });
  }

  /** Asks the subscriber to close its bus cleanly and waits until its JVM has exited with status 0. */
  void stop() {
    try (OutputStream in = process.getOutputStream()) {
      in.write("STOP\n".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell subscriber " + instance + " to stop", e);
    }
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("subscriber " + instance + " did not stop within 60 s:\n" + logTail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("subscriber " + instance + " exited with status " + process.exitValue()
          + ":\n" + logTail());
    }
  }

  /** Kills the subscriber's JVM with SIGKILL ({@code kill -9}) and waits until it is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (process.isAlive()) {
      throw new IllegalStateException("subscriber " + instance + " survived SIGKILL");
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(instance + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
