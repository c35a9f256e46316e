package dev.chorus.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One node (broker and controller) of a {@link BrokerCluster}: its ports, directory,
 * {@code server.properties}, log file and, while it runs, its child JVM.
 *
 * <p>Lifecycle calls come from the cluster under its lock; {@link #process} is volatile so the
 * cluster's shutdown hook can read it without that lock.
 */
final class BrokerNode {

  static final String HOST = "127.0.0.1";
  private static final int TAIL_LINES = 40;
  private static final int TAIL_BYTES = 16 * 1024;

  final int id;
  final int brokerPort;
  final int controllerPort;
  final Path directory;
  final Path propertiesFile;
  final Path logFile;
  final Path dataDirectory;

  private volatile Process process;

  BrokerNode(int id, int brokerPort, int controllerPort, Path directory) {
    this.id = id;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
    this.directory = directory;
    this.propertiesFile = directory.resolve("server.properties");
    this.logFile = directory.resolve("node.log");
    this.dataDirectory = directory.resolve("data");
  }

  String address() {
    return HOST + ":" + brokerPort;
  }

  void writeProperties(Map<String, String> settings) {
    Properties properties = new Properties();
    properties.putAll(settings);
    try {
      Files.createDirectories(directory);
      try (OutputStream out = Files.newOutputStream(propertiesFile)) {
        properties.store(out, "Chorus BrokerCluster node " + id);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + propertiesFile, e);
    }
  }

  /** Starts the child JVM; formats the storage first if it has never been formatted. */
  void launch(String clusterId, List<String> jvmOptions) {
    if (isRunning()) {
      throw new IllegalStateException("Node " + id + " is already running (pid "
          + process.pid() + ")");
    }
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmOptions);
    command.add("-Dchorus.broker.node=" + id);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BrokerNodeMain.class.getName());
    command.add(propertiesFile.toString());
    if (!Files.exists(dataDirectory.resolve("meta.properties"))) {
      command.add(BrokerNodeMain.FORMAT_OPTION);
      command.add(clusterId);
    }
    appendToLog("=== " + Instant.now() + " starting node " + id + " (broker " + address()
        + ", controller " + HOST + ":" + controllerPort + ")");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    // Standard input stays a pipe from this JVM: the child halts when it reaches end of file.
    builder.redirectInput(ProcessBuilder.Redirect.PIPE);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the JVM of node " + id + ": " + command.get(0),
          e);
    }
  }

  boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /** Returns the exit status of the last child if it has exited, or empty. */
  Optional<Integer> exitStatus() {
    Process last = process;
    return last == null || last.isAlive() ? Optional.empty() : Optional.of(last.exitValue());
  }

  /** Sends SIGKILL and waits until the process is gone. */
  void kill(Duration timeout) {
    end(true, timeout);
  }

  /**
   * Sends SIGTERM (Kafka shuts down cleanly) and waits; returns false if the node had to be
   * killed because it did not stop within {@code timeout}.
   */
  boolean terminate(Duration timeout) {
    return end(false, timeout);
  }

  private boolean end(boolean force, Duration timeout) {
    Process running = process;
    if (running == null) {
      return true;
    }
    boolean graceful;
    if (force) {
      running.destroyForcibly();
      graceful = true;
    } else {
      running.destroy();
      graceful = awaitExit(running, timeout);
      if (!graceful) {
        running.destroyForcibly();
      }
    }
    if (!awaitExit(running, force ? timeout : Duration.ofSeconds(10))) {
      throw new IllegalStateException("The JVM of node " + id + " (pid " + running.pid()
          + ") did not exit after SIGKILL");
    }
    closeQuietly(running);
    appendToLog("=== " + Instant.now() + " node " + id + (force ? " killed" : " stopped")
        + (graceful ? "" : " (SIGKILL after " + timeout + ")") + ", exit status "
        + explainExit(running.exitValue()));
    return graceful;
  }

  /** Kills the process without waiting long and without touching files: for shutdown hooks. */
  void killForShutdownHook() {
    Process running = process;
    if (running != null && running.isAlive()) {
      running.destroyForcibly();
      awaitExit(running, Duration.ofSeconds(5));
    }
  }

  /** Returns whether a TCP connection to the broker port succeeds. */
  boolean acceptsConnections() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, brokerPort), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Returns the last lines of this node's log, for error messages. */
  String logTail() {
    if (!Files.exists(logFile)) {
      return "(no log file " + logFile + ")";
    }
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long length = file.length();
      long from = Math.max(0, length - TAIL_BYTES);
      byte[] bytes = new byte[(int) (length - from)];
      file.seek(from);
      file.readFully(bytes);
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
      int first = Math.max(from == 0 ? 0 : 1, lines.length - TAIL_LINES);
      StringBuilder tail = new StringBuilder();
      for (int i = first; i < lines.length; i++) {
        tail.append("    ").append(lines[i]).append('\n');
      }
      return tail.toString();
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  /** Explains an exit status of the child JVM for error messages. */
  static String explainExit(int status) {
    return switch (status) {
      case 1 -> status + " (Kafka stopped on a fatal error)";
      case BrokerNodeMain.FORMAT_FAILED -> status + " (formatting the storage failed)";
      case BrokerNodeMain.ORPHANED -> status + " (its parent JVM was gone)";
      case 137 -> status + " (SIGKILL)";
      case 143 -> status + " (SIGTERM)";
      default -> Integer.toString(status);
    };
  }

  String describe() {
    Process last = process;
    String state = last == null ? "not started"
        : last.isAlive() ? "running, pid " + last.pid()
        : "exited with status " + explainExit(last.exitValue());
    return "node " + id + " (broker " + address() + ", controller " + HOST + ":" + controllerPort
        + ", " + state + ")";
  }

  private void appendToLog(String line) {
    try {
      Files.createDirectories(directory);
      Files.writeString(logFile, line + System.lineSeparator(), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + logFile, e);
    }
  }

  private static boolean awaitExit(Process process, Duration timeout) {
    try {
      return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for a broker JVM to exit", e);
    }
  }

  private static void closeQuietly(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // The child is gone; its pipe is of no further use.
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
