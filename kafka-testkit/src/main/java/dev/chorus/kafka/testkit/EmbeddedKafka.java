package dev.chorus.kafka.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) running inside
 * this JVM, for tests.
 *
 * <p>The broker is started from Kafka's own classes, exactly as {@code kafka-storage.sh format}
 * and {@code kafka-server-start.sh} would: a {@code server.properties} is written to a temporary
 * data directory, the storage is formatted, and a {@code KafkaRaftServer} is started. It listens
 * on free loopback ports ({@code 127.0.0.1}); {@link #bootstrapServers()} gives the address.
 *
 * <p>Settings are those a single node needs (replication factor 1 for the internal topics, no
 * initial rebalance delay, a small log-cleaner buffer) and {@code auto.create.topics.enable=false}:
 * create topics explicitly, for example with {@link #createTopic(String, int)}.
 *
 * <p>Lifecycle: {@link #start()} starts a new broker; {@link #stop()} shuts it down cleanly and
 * keeps its data and ports; {@link #restart()} starts it again on the same ports and data, so
 * topics, records and committed offsets survive; {@link #close()} stops it and deletes its data.
 *
 * <p>While at least one broker runs in this JVM, Kafka's exit and halt procedures
 * ({@code org.apache.kafka.common.utils.internals.Exit}) are replaced by ones that throw an
 * {@link IllegalStateException} instead of terminating the JVM, so a fatal broker fault fails the
 * test rather than killing the test runner.
 *
 * <p>Thread-safety: all methods are safe to call from any thread; lifecycle methods are
 * serialized.
 *
 * <p>Kafka logs through SLF4J: set the {@code kafka} and {@code org.apache.kafka} loggers to
 * {@code WARN} in your test logging configuration, or one broker start logs thousands of lines.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final String HOST = "127.0.0.1";
  private static final int NODE_ID = 1;
  /** A fresh broker may lose a race for its free ports with another process; it then tries anew. */
  private static final int START_ATTEMPTS = 3;

  private final Path dataDirectory;
  private final Path logDirectory;
  private final Path propertiesFile;
  private final int brokerPort;
  private final int controllerPort;
  private final Properties properties;

  private KafkaRaftServer server;
  private boolean closed;

  private EmbeddedKafka(Path dataDirectory, int brokerPort, int controllerPort,
      Map<String, String> overrides) {
    this.dataDirectory = dataDirectory;
    this.logDirectory = dataDirectory.resolve("kraft-logs");
    this.propertiesFile = dataDirectory.resolve("server.properties");
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
    this.properties = brokerProperties(logDirectory, brokerPort, controllerPort, overrides);
  }

  /**
   * Starts a new broker on free loopback ports with a new temporary data directory.
   *
   * @return the running broker; {@link #close()} it when done
   * @throws IllegalStateException if the broker cannot be formatted or started
   * @throws UncheckedIOException if the data directory cannot be created
   */
  public static EmbeddedKafka start() {
    return start(Map.of());
  }

  /**
   * Starts a new broker like {@link #start()}, with some broker settings replaced or added.
   *
   * <p>For example {@code Map.of("auto.create.topics.enable", "true")} lets producers create
   * topics on demand. Overriding the listeners, ports, node id or log directories is not
   * supported.
   *
   * @param brokerProperties Kafka broker settings ({@code server.properties} names and values)
   *     that replace the defaults
   * @return the running broker; {@link #close()} it when done
   * @throws NullPointerException if {@code brokerProperties} or one of its keys or values is null
   * @throws IllegalArgumentException if {@code brokerProperties} sets a listener, port, node id or
   *     directory setting
   * @throws IllegalStateException if the broker cannot be formatted or started
   * @throws UncheckedIOException if the data directory cannot be created
   */
  public static EmbeddedKafka start(Map<String, String> brokerProperties) {
    Map<String, String> overrides =
        Map.copyOf(Objects.requireNonNull(brokerProperties, "brokerProperties"));
    for (String key : overrides.keySet()) {
      if (ReservedSettings.isReserved(key)) {
        throw new IllegalArgumentException(
            "brokerProperties cannot set '" + key + "': EmbeddedKafka chooses listeners, ports, "
                + "node id and directories itself");
      }
    }
    for (int attempt = 1; ; attempt++) {
      int brokerPort = freePort();
      int controllerPort = freePort();
      while (controllerPort == brokerPort) {
        controllerPort = freePort();
      }
      EmbeddedKafka kafka =
          new EmbeddedKafka(createDataDirectory(), brokerPort, controllerPort, overrides);
      long began = System.nanoTime();
      try {
        kafka.format();
        kafka.startServer();
        LOG.info("Kafka broker started on {} in {} ms (data {})", kafka.bootstrapServers(),
            millisSince(began), kafka.dataDirectory);
        return kafka;
      } catch (RuntimeException e) {
        try {
          kafka.close();
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        // Another process may take a probed free port before Kafka binds it: try new ports.
        if (attempt == START_ATTEMPTS || !isBindFailure(e)) {
          throw e;
        }
        LOG.warn("Kafka broker could not bind its ports (attempt {} of {}), trying other ports: {}",
            attempt, START_ATTEMPTS, e.toString());
      }
    }
  }

  /**
   * Returns the broker shared by this whole JVM, starting it on first use.
   *
   * <p>It is closed (and its data deleted) by a JVM shutdown hook. Do not {@link #close()} it
   * yourself. In JUnit 5 tests prefer {@link EmbeddedKafkaExtension}, which shuts its broker
   * down when the test run ends; the two do not share a broker.
   *
   * @return the running shared broker
   * @throws IllegalStateException if the broker cannot be started
   */
  public static EmbeddedKafka shared() {
    try {
      return SharedBroker.INSTANCE;
    } catch (ExceptionInInitializerError e) {
      throw new IllegalStateException("The shared Kafka broker failed to start", e.getCause());
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException("The shared Kafka broker failed to start earlier in this JVM",
          e);
    }
  }

  /**
   * Returns the address clients connect to, {@code "127.0.0.1:<port>"}.
   *
   * <p>The address stays the same across {@link #stop()} and {@link #restart()}.
   *
   * @return the value for the clients' {@code bootstrap.servers} setting
   */
  public String bootstrapServers() {
    return HOST + ":" + brokerPort;
  }

  /**
   * Returns the directory holding this broker's {@code server.properties} and its log (data)
   * directory; {@link #close()} deletes it.
   *
   * @return the absolute path of the data directory
   */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /**
   * Returns whether the broker is running (started and not stopped or closed).
   *
   * @return true between a start or restart and the next stop or close
   */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /**
   * Shuts the broker down cleanly and waits until it has stopped, keeping its data directory and
   * ports for {@link #restart()}. Does nothing if it is not running.
   */
  public synchronized void stop() {
    KafkaRaftServer running = server;
    if (running == null) {
      return;
    }
    server = null;
    long began = System.nanoTime();
    try {
      running.shutdown();
      running.awaitShutdown();
    } finally {
      ExitGuard.release();
    }
    LOG.info("Kafka broker on {} stopped in {} ms", bootstrapServers(), millisSince(began));
  }

  /**
   * Starts the broker again on the same ports with the same data: topics, records and committed
   * offsets are kept. A running broker is stopped first.
   *
   * <p>Returns once every partition of every topic (internal ones included) has its leader back,
   * so clients can produce and commit at once.
   *
   * @throws IllegalStateException if the broker was closed or cannot start (for example because
   *     another process took its port meanwhile), or its partitions have no leader within 30
   *     seconds
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("Cannot restart a closed EmbeddedKafka (" + bootstrapServers()
          + "): its data directory was deleted; start a new one with EmbeddedKafka.start()");
    }
    stop();
    long began = System.nanoTime();
    startServer();
    KafkaTopics.awaitAllLeaders(bootstrapServers(), KafkaTopics.DEFAULT_TIMEOUT);
    LOG.info("Kafka broker restarted on {} in {} ms (every partition led)", bootstrapServers(),
        millisSince(began));
  }

  /**
   * Stops the broker if it runs and deletes its data directory. Idempotent.
   *
   * @throws UncheckedIOException if the data directory cannot be deleted
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      deleteRecursively(dataDirectory);
    }
  }

  /**
   * Creates a topic on this broker and waits until every partition has a leader, so producing to
   * it right away succeeds. Equivalent to {@link KafkaTopics#create(String, String, int)}.
   *
   * @param topic the topic name
   * @param partitions the number of partitions, at least 1
   * @throws IllegalArgumentException if {@code partitions} is less than 1
   * @throws org.apache.kafka.common.errors.TopicExistsException if the topic already exists
   * @throws IllegalStateException if the broker is not running or the topic does not become
   *     ready within 30 seconds
   */
  public void createTopic(String topic, int partitions) {
    if (!isRunning()) {
      throw new IllegalStateException("Cannot create topic '" + topic + "': the broker on "
          + bootstrapServers() + " is not running");
    }
    KafkaTopics.create(bootstrapServers(), topic, partitions);
  }

  /**
   * Describes this broker for logs and assertion messages.
   *
   * @return the bootstrap address, data directory and state
   */
  @Override
  public synchronized String toString() {
    return "EmbeddedKafka[" + bootstrapServers() + ", " + dataDirectory + ", "
        + (closed ? "closed" : server != null ? "running" : "stopped") + "]";
  }

  private void format() {
    writeProperties();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    String[] args = {"format", "-t", Uuid.randomUuid().toString(), "-c", propertiesFile.toString()};
    int status;
    ExitGuard.acquire();
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      status = StorageTool.execute(args, out);
    } catch (RuntimeException e) {
      throw new IllegalStateException("Formatting Kafka storage in " + logDirectory + " failed: "
          + output.toString(StandardCharsets.UTF_8).strip(), e);
    } finally {
      ExitGuard.release();
    }
    if (status != 0) {
      throw new IllegalStateException("Formatting Kafka storage in " + logDirectory
          + " failed with status " + status + ": " + output.toString(StandardCharsets.UTF_8).strip());
    }
  }

  private void startServer() {
    long began = System.nanoTime();
    ExitGuard.acquire();
    KafkaRaftServer starting = null;
    try {
      starting = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
      starting.startup();
    } catch (RuntimeException e) {
      if (starting != null) {
        shutDownQuietly(starting, e);
      }
      ExitGuard.release();
      throw new IllegalStateException("Kafka broker on " + bootstrapServers() + " (controller port "
          + controllerPort + ", data " + dataDirectory + ") failed to start: " + e, e);
    }
    server = starting;
    LOG.debug("Kafka broker server on {} started in {} ms", bootstrapServers(), millisSince(began));
  }

  private static void shutDownQuietly(KafkaRaftServer server, RuntimeException failure) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private void writeProperties() {
    try (OutputStream out = Files.newOutputStream(propertiesFile)) {
      properties.store(out, "Chorus EmbeddedKafka: single-node KRaft broker and controller");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + propertiesFile, e);
    }
  }

  private static Properties brokerProperties(Path logDirectory, int brokerPort,
      int controllerPort, Map<String, String> overrides) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("process.roles", "broker,controller");
    settings.put("node.id", Integer.toString(NODE_ID));
    settings.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    settings.put("listeners",
        "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    settings.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    settings.put("controller.listener.names", "CONTROLLER");
    settings.put("inter.broker.listener.name", "PLAINTEXT");
    settings.put("log.dirs", logDirectory.toString());
    // Chorus creates its topics explicitly; tests must see a missing topic as missing.
    settings.put("auto.create.topics.enable", "false");
    settings.put("num.partitions", "1");
    settings.put("default.replication.factor", "1");
    settings.put("min.insync.replicas", "1");
    // One node: internal topics cannot have more replicas than that, or groups never form.
    settings.put("offsets.topic.replication.factor", "1");
    settings.put("offsets.topic.num.partitions", "1");
    settings.put("transaction.state.log.replication.factor", "1");
    settings.put("transaction.state.log.min.isr", "1");
    settings.put("transaction.state.log.num.partitions", "1");
    settings.put("share.coordinator.state.topic.replication.factor", "1");
    settings.put("share.coordinator.state.topic.min.isr", "1");
    settings.put("share.coordinator.state.topic.num.partitions", "1");
    // Faster tests: groups form at once; the log cleaner's buffer defaults to 128 MiB.
    settings.put("group.initial.rebalance.delay.ms", "0");
    settings.put("log.cleaner.dedupe.buffer.size", "2097152");
    settings.putAll(overrides);
    Properties properties = new Properties();
    properties.putAll(settings);
    return properties;
  }

  private static Path createDataDirectory() {
    try {
      return Files.createTempDirectory("chorus-kafka-").toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary data directory for Kafka", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free loopback port for Kafka", e);
    }
  }

  private static boolean isBindFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }

  private static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete Kafka data directory " + directory, e);
    }
  }

  private static long millisSince(long nanoTime) {
    return Duration.ofNanos(System.nanoTime() - nanoTime).toMillis();
  }

  /** Settings that EmbeddedKafka owns because its ports, address and directories depend on them. */
  private static final class ReservedSettings {
    private ReservedSettings() {}

    static boolean isReserved(String key) {
      return switch (key) {
        case "process.roles", "node.id", "controller.quorum.voters",
            "controller.quorum.bootstrap.servers", "listeners", "advertised.listeners",
            "listener.security.protocol.map", "controller.listener.names",
            "inter.broker.listener.name", "log.dirs", "log.dir", "metadata.log.dir" -> true;
        default -> false;
      };
    }
  }

  /** Lazily started JVM-wide broker, closed by a shutdown hook (initialization-on-demand holder). */
  private static final class SharedBroker {
    static final EmbeddedKafka INSTANCE = startShared();

    private SharedBroker() {}

    private static EmbeddedKafka startShared() {
      EmbeddedKafka kafka = EmbeddedKafka.start();
      Runtime.getRuntime().addShutdownHook(
          new Thread(kafka::close, "chorus-embedded-kafka-shutdown"));
      return kafka;
    }
  }
}
