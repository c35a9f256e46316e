package dev.chorus.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.chorus.kafka.testkit.KafkaTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-node Apache Kafka cluster (KRaft, every node both broker and controller) whose
 * nodes run as separate child JVMs, so tests can kill a node with SIGKILL mid-run and start it
 * again later.
 *
 * <p>{@link #start(int)} picks free loopback ports ({@code 127.0.0.1}, a broker and a controller
 * port per node), writes one {@code server.properties} per node in a temporary directory (a static
 * {@code controller.quorum.voters} list of all nodes), formats each node's storage with one cluster
 * id and runs {@code kafka.Kafka} in a child JVM per node, started with this JVM's {@code java}
 * and class path (which must therefore be a real class path: Surefire needs
 * {@code useManifestOnlyJar=false}). Each node's standard output and error go to
 * {@code node.log} in its directory; error messages quote its last lines.
 *
 * <p>Settings: replication factor {@code min(3, nodes)} for new and internal topics,
 * {@code min.insync.replicas=min(2, nodes)}, no unclean leader election,
 * {@code auto.create.topics.enable=false}, no automatic preferred-leader rebalancing (leaders move
 * only when a test makes them), and short broker session timeouts so that the controller fences a
 * killed node and its partitions get new leaders about three seconds after a SIGKILL (about five
 * when the killed node was the active controller: the quorum elects a new one first).
 *
 * <p>Node ids are {@code 1..nodes}. A node keeps its ports and data across {@link #kill(int)},
 * {@link #stop(int)} and {@link #restart(int)}; {@link #close()} kills every node and deletes all
 * data. A JVM shutdown hook kills the nodes if this JVM exits without closing the cluster, and each
 * node halts by itself when this JVM dies without running its hooks (it watches a pipe from this
 * JVM), so no broker outlives the test run.
 *
 * <p>Every wait has a deadline: starting waits up to 90 seconds, a restart 60 seconds, a clean
 * stop 30 seconds, and topic operations 30 seconds; on timeout an {@link IllegalStateException}
 * names what was missing and quotes the nodes' logs.
 *
 * <p>Thread-safety: all methods may be called from any thread. Lifecycle methods ({@code kill},
 * {@code stop}, {@code restart}, {@code close}) are serialized; queries run concurrently with them.
 */
public final class BrokerCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerCluster.class);

  private static final int MAX_NODES = 9;
  private static final int START_ATTEMPTS = 3;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration ADMIN_CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  /**
   * Child JVM options: a modest heap, a collector that suits several JVMs on few cores, and only
   * the C1 compiler, which halves start time when three JVMs start at once on two cores.
   */
  private static final List<String> JVM_OPTIONS = List.of(
      "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-XX:+ExitOnOutOfMemoryError",
      "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true");

  private final Path directory;
  private final String clusterId;
  private final List<BrokerNode> nodes;
  private final Thread shutdownHook;
  private volatile Admin admin;
  private volatile boolean closed;

  private BrokerCluster(Path directory, String clusterId, List<BrokerNode> nodes) {
    this.directory = directory;
    this.clusterId = clusterId;
    this.nodes = List.copyOf(nodes);
    this.shutdownHook = new Thread(this::killForShutdown, "chorus-broker-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a new cluster of {@code nodes} nodes and returns once every node is up and the cluster
   * lists them all as brokers, with the consumer offsets topic created and fully replicated.
   *
   * @param nodes the number of nodes, 1 to 9 (3 for fault-injection tests)
   * @return the running cluster; {@link #close()} it when done
   * @throws IllegalArgumentException if {@code nodes} is out of range
   * @throws IllegalStateException if the cluster is not up within 90 seconds or a node fails to
   *     start; the message quotes the nodes' logs
   * @throws UncheckedIOException if the temporary directory cannot be written
   */
  public static BrokerCluster start(int nodes) {
    return start(nodes, Map.of());
  }

  /**
   * Starts a new cluster like {@link #start(int)}, with some broker settings replaced or added on
   * every node, for example {@code Map.of("min.insync.replicas", "3")}.
   *
   * @param nodes the number of nodes, 1 to 9
   * @param brokerProperties Kafka broker settings ({@code server.properties} names and values)
   *     that replace the defaults
   * @return the running cluster; {@link #close()} it when done
   * @throws NullPointerException if {@code brokerProperties} or one of its keys or values is null
   * @throws IllegalArgumentException if {@code nodes} is out of range or {@code brokerProperties}
   *     sets a listener, port, node id, quorum or directory setting
   * @throws IllegalStateException if the cluster is not up within 90 seconds or a node fails to
   *     start; the message quotes the nodes' logs
   * @throws UncheckedIOException if the temporary directory cannot be written
   */
  public static BrokerCluster start(int nodes, Map<String, String> brokerProperties) {
    if (nodes < 1 || nodes > MAX_NODES) {
      throw new IllegalArgumentException(
          "nodes must be between 1 and " + MAX_NODES + ": " + nodes);
    }
    Map<String, String> overrides =
        Map.copyOf(Objects.requireNonNull(brokerProperties, "brokerProperties"));
    for (String key : overrides.keySet()) {
      if (isReserved(key)) {
        throw new IllegalArgumentException("brokerProperties cannot set '" + key
            + "': BrokerCluster chooses listeners, ports, node ids, the quorum and directories");
      }
    }
    for (int attempt = 1; ; attempt++) {
      BrokerCluster cluster = create(nodes, overrides);
      try {
        cluster.startAll();
        return cluster;
      } catch (RuntimeException e) {
        boolean bindFailure = cluster.nodes.stream().anyMatch(BrokerCluster::failedToBind);
        try {
          cluster.close();
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        // Another process may take a probed free port before a node binds it: try new ports.
        if (attempt == START_ATTEMPTS || !bindFailure) {
          throw e;
        }
        LOG.warn("A Kafka node could not bind its ports (attempt {} of {}), trying other ports",
            attempt, START_ATTEMPTS);
      }
    }
  }

  /**
   * Returns the addresses of all nodes, {@code "127.0.0.1:<port>,..."}, for the clients'
   * {@code bootstrap.servers} setting. Stopped and killed nodes stay listed (clients skip them);
   * the addresses never change.
   *
   * @return the comma-separated broker addresses of every node
   */
  public String bootstrapServers() {
    return nodes.stream().map(BrokerNode::address).collect(Collectors.joining(","));
  }

  /**
   * Returns whether the JVM of a node is running.
   *
   * @param nodeId the node id, 1 to the number of nodes
   * @return true if the node's process is alive (it may still be starting)
   * @throws IllegalArgumentException if there is no such node
   */
  public boolean isRunning(int nodeId) {
    return node(nodeId).isRunning();
  }

  /**
   * Kills a node's JVM with SIGKILL, as a crash or power loss of that process would, and waits
   * until the process is gone. Its data and ports are kept for {@link #restart(int)}.
   *
   * <p>Returns at once after the process exits: the rest of the cluster notices the loss only
   * when the controller fences the node (about three seconds later); wait for the effect you need,
   * for example a new leader from {@link #leaderOf(String, int)}.
   *
   * @param nodeId the node id, 1 to the number of nodes
   * @throws IllegalArgumentException if there is no such node
   * @throws IllegalStateException if the node is not running, the cluster is closed, or the
   *     process does not exit within 10 seconds
   */
  public synchronized void kill(int nodeId) {
    BrokerNode node = runningNode(nodeId, "kill");
    long began = System.nanoTime();
    node.kill(KILL_TIMEOUT);
    LOG.info("Killed Kafka node {} with SIGKILL in {} ms", nodeId, millisSince(began));
  }

  /**
   * Stops a node cleanly with SIGTERM (Kafka's controlled shutdown moves its leaderships away
   * first) and waits until its process has exited. Its data and ports are kept for
   * {@link #restart(int)}.
   *
   * @param nodeId the node id, 1 to the number of nodes
   * @throws IllegalArgumentException if there is no such node
   * @throws IllegalStateException if the node is not running or the cluster is closed, or if it
   *     does not stop within 30 seconds (it is then killed)
   */
  public synchronized void stop(int nodeId) {
    BrokerNode node = runningNode(nodeId, "stop");
    long began = System.nanoTime();
    if (!node.terminate(STOP_TIMEOUT)) {
      throw new IllegalStateException("Kafka node " + nodeId + " did not stop within "
          + STOP_TIMEOUT + " of SIGTERM and was killed; its log ends with:\n" + node.logTail());
    }
    LOG.info("Stopped Kafka node {} in {} ms", nodeId, millisSince(began));
  }

  /**
   * Starts a node's JVM again on the same ports with the same data, stopping it cleanly first if
   * it runs, and returns once the cluster lists it as a broker again (it has caught up with the
   * cluster metadata and is unfenced). Its partition replicas may still be catching up: use
   * {@link #awaitInSync(String, Duration)} to wait until they are back in sync.
   *
   * @param nodeId the node id, 1 to the number of nodes
   * @throws IllegalArgumentException if there is no such node
   * @throws IllegalStateException if the cluster is closed, or the node exits or is not listed
   *     within 60 seconds; the message quotes its log
   */
  public synchronized void restart(int nodeId) {
    BrokerNode node = node(nodeId);
    requireOpen("restart node " + nodeId);
    if (node.isRunning()) {
      stop(nodeId);
    }
    long began = System.nanoTime();
    node.launch(clusterId, JVM_OPTIONS);
    awaitBrokers(List.of(node), System.nanoTime() + RESTART_TIMEOUT.toNanos(),
        "restart of node " + nodeId);
    LOG.info("Restarted Kafka node {} in {} ms", nodeId, millisSince(began));
  }

  /**
   * Creates a topic replicated to {@code min(3, nodes)} nodes and waits until every partition has
   * a leader and all its replicas are in sync, so producing with {@code acks=all} works at once.
   *
   * @param topic the topic name
   * @param partitions the number of partitions, at least 1
   * @throws IllegalArgumentException if {@code partitions} is less than 1
   * @throws org.apache.kafka.common.errors.TopicExistsException if the topic already exists
   * @throws KafkaException for other failures reported by the cluster, for example too few
   *     running nodes for the replication factor
   * @throws IllegalStateException if the topic is not fully replicated within 30 seconds
   */
  public void createTopic(String topic, int partitions) {
    Objects.requireNonNull(topic, "topic");
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "partitions must be at least 1: " + partitions + " (topic '" + topic + "')");
    }
    long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
    KafkaTopics.create(admin(), new NewTopic(topic, partitions, replicationFactor()),
        TOPIC_TIMEOUT);
    awaitInSync(topic, remaining(deadline));
  }

  /**
   * Waits until every partition of a topic has a leader and its in-sync replica set holds all its
   * replicas, for example after {@link #restart(int)} brought a node back.
   *
   * @param topic the topic name
   * @param timeout how long to wait
   * @throws IllegalArgumentException if {@code timeout} is not positive
   * @throws IllegalStateException if that is not so within {@code timeout}; the message names the
   *     partitions and the replicas they are missing
   */
  public void awaitInSync(String topic, Duration timeout) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String problem = "not described yet";
    while (true) {
      try {
        problem = outOfSync(describe(topic, deadline));
        if (problem.isEmpty()) {
          return;
        }
      } catch (KafkaException | IllegalStateException e) {
        problem = e.toString();
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException("Topic '" + topic + "' not fully in sync after " + timeout
            + ": " + problem + "; " + describeNodes());
      }
      pause();
    }
  }

  /**
   * Returns the node id of the current leader of a partition, as the cluster metadata says.
   *
   * <p>Right after {@link #kill(int)} the metadata still names the killed node until the
   * controller fences it; poll until the leader changes if that is what a test needs.
   *
   * @param topic the topic name
   * @param partition the partition number
   * @return the leader's node id, or empty if the partition has no leader
   * @throws IllegalArgumentException if the topic has no such partition
   * @throws KafkaException if the cluster reports a failure, for example an unknown topic
   * @throws IllegalStateException if the cluster does not answer within 10 seconds
   */
  public OptionalInt leaderOf(String topic, int partition) {
    Objects.requireNonNull(topic, "topic");
    TopicDescription description = describe(topic, System.nanoTime() + ADMIN_CALL_TIMEOUT.toNanos());
    for (TopicPartitionInfo info : description.partitions()) {
      if (info.partition() == partition) {
        Node leader = info.leader();
        return leader == null || leader.isEmpty() ? OptionalInt.empty() : OptionalInt.of(leader.id());
      }
    }
    throw new IllegalArgumentException("Topic '" + topic + "' has no partition " + partition
        + " (it has " + description.partitions().size() + ")");
  }

  /**
   * Kills every node and deletes all data. Idempotent.
   *
   * @throws UncheckedIOException if the data cannot be deleted
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long began = System.nanoTime();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down: the hook runs anyway.
    }
    Admin client = admin;
    if (client != null) {
      client.close(Duration.ofSeconds(2));
    }
    RuntimeException failure = null;
    for (BrokerNode node : nodes) {
      try {
        node.kill(KILL_TIMEOUT);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    try {
      deleteRecursively(directory);
    } catch (UncheckedIOException e) {
      if (failure != null) {
        e.addSuppressed(failure);
      }
      throw e;
    }
    if (failure != null) {
      throw failure;
    }
    LOG.info("Closed Kafka cluster in {} ms", millisSince(began));
  }

  /**
   * Describes this cluster for logs and assertion messages.
   *
   * @return the nodes with their ports and states, and the data directory
   */
  @Override
  public String toString() {
    return "BrokerCluster[" + describeNodes() + ", " + directory + "]";
  }

  private static BrokerCluster create(int count, Map<String, String> overrides) {
    Path directory;
    try {
      directory = Files.createTempDirectory("chorus-kafka-cluster-").toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary directory for a Kafka cluster", e);
    }
    int[] ports = freePorts(2 * count);
    List<BrokerNode> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int id = i + 1;
      nodes.add(new BrokerNode(id, ports[2 * i], ports[2 * i + 1], directory.resolve("node-" + id)));
    }
    String voters = nodes.stream()
        .map(node -> node.id + "@" + BrokerNode.HOST + ":" + node.controllerPort)
        .collect(Collectors.joining(","));
    BrokerCluster cluster = new BrokerCluster(directory, Uuid.randomUuid().toString(), nodes);
    try {
      for (BrokerNode node : nodes) {
        node.writeProperties(settings(node, voters, count, overrides));
      }
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private synchronized void startAll() {
    long began = System.nanoTime();
    long deadline = began + START_TIMEOUT.toNanos();
    for (BrokerNode node : nodes) {
      node.launch(clusterId, JVM_OPTIONS);
    }
    awaitBrokers(nodes, deadline, "start");
    long up = System.nanoTime();
    createOffsetsTopic(deadline);
    LOG.info("Kafka cluster of {} nodes up on {} in {} ms (offsets topic {} ms more)",
        nodes.size(), bootstrapServers(), Duration.ofNanos(up - began).toMillis(),
        millisSince(up));
  }

  /**
   * Waits until the given nodes accept connections and the cluster lists them as (unfenced)
   * brokers; fails early if one of their JVMs exits.
   */
  private void awaitBrokers(List<BrokerNode> expected, long deadline, String what) {
    Set<Integer> expectedIds = expected.stream().map(node -> node.id)
        .collect(Collectors.toCollection(TreeSet::new));
    String problem = "nodes not listening yet";
    long began = System.nanoTime();
    long listening = 0;
    while (true) {
      for (BrokerNode node : expected) {
        if (!node.isRunning()) {
          throw new IllegalStateException("Kafka node " + node.id + " exited with status "
              + node.exitStatus().map(BrokerNode::explainExit).orElse("?") + " during " + what
              + "; its log " + node.logFile + " ends with:\n" + node.logTail());
        }
      }
      if (expected.stream().allMatch(BrokerNode::acceptsConnections)) {
        if (listening == 0) {
          listening = System.nanoTime();
          LOG.debug("Kafka nodes {} accept connections after {} ms", expectedIds,
              Duration.ofNanos(listening - began).toMillis());
        }
        try {
          Set<Integer> listed = brokerIds(deadline);
          if (listed.containsAll(expectedIds)) {
            return;
          }
          problem = "the cluster lists brokers " + listed + ", expected " + expectedIds;
        } catch (KafkaException | IllegalStateException e) {
          problem = "describeCluster failed: " + e;
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException("Kafka " + what + " did not complete in time: " + problem
            + "; " + describeNodes() + "\n" + logTails());
      }
      pause();
    }
  }

  private Set<Integer> brokerIds(long deadline) {
    DescribeClusterOptions options = new DescribeClusterOptions()
        .timeoutMs(timeoutMillis(deadline, Duration.ofSeconds(3)));
    return await(admin().describeCluster(options).nodes(), deadline, "describe the cluster")
        .stream().map(Node::id).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Makes the group coordinator create {@code __consumer_offsets} now, while every node runs:
   * with replication factor 3 it could not be created later while a node is down, and consumer
   * groups would never form.
   */
  private void createOffsetsTopic(long deadline) {
    ListConsumerGroupOffsetsOptions options = new ListConsumerGroupOffsetsOptions()
        .timeoutMs(timeoutMillis(deadline, START_TIMEOUT));
    await(admin().listConsumerGroupOffsets("chorus-broker-cluster-warm-up", options)
        .partitionsToOffsetAndMetadata(), deadline, "create the consumer offsets topic");
    awaitInSync("__consumer_offsets", remaining(deadline));
  }

  private TopicDescription describe(String topic, long deadline) {
    DescribeTopicsOptions options = new DescribeTopicsOptions()
        .timeoutMs(timeoutMillis(deadline, ADMIN_CALL_TIMEOUT));
    return await(admin().describeTopics(List.of(topic), options).allTopicNames(), deadline,
        "describe topic '" + topic + "'").get(topic);
  }

  /** Returns what keeps a topic from being fully in sync, or an empty string. */
  private static String outOfSync(TopicDescription description) {
    List<String> problems = new ArrayList<>();
    for (TopicPartitionInfo partition : description.partitions()) {
      if (partition.leader() == null || partition.leader().isEmpty()) {
        problems.add("partition " + partition.partition() + " has no leader");
        continue;
      }
      Set<Integer> missing = partition.replicas().stream().map(Node::id)
          .collect(Collectors.toCollection(TreeSet::new));
      partition.isr().forEach(node -> missing.remove(node.id()));
      if (!missing.isEmpty()) {
        problems.add("partition " + partition.partition() + " lacks replicas " + missing
            + " in its ISR");
      }
    }
    return String.join(", ", problems);
  }

  private Admin admin() {
    requireOpen("query the cluster");
    Admin client = admin;
    if (client == null) {
      synchronized (this) {
        requireOpen("query the cluster");
        client = admin;
        if (client == null) {
          client = Admin.create(Map.of(
              AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
              AdminClientConfig.CLIENT_ID_CONFIG, "chorus-broker-cluster",
              AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
              AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
              AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500",
              AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500"));
          admin = client;
        }
      }
    }
    return client;
  }

  private short replicationFactor() {
    return (short) Math.min(3, nodes.size());
  }

  private BrokerNode node(int nodeId) {
    if (nodeId < 1 || nodeId > nodes.size()) {
      throw new IllegalArgumentException(
          "nodeId must be between 1 and " + nodes.size() + ": " + nodeId);
    }
    return nodes.get(nodeId - 1);
  }

  private BrokerNode runningNode(int nodeId, String action) {
    BrokerNode node = node(nodeId);
    requireOpen(action + " node " + nodeId);
    if (!node.isRunning()) {
      throw new IllegalStateException("Cannot " + action + " Kafka node " + nodeId
          + ": it is not running (" + node.describe() + ")");
    }
    return node;
  }

  private void requireOpen(String action) {
    if (closed) {
      throw new IllegalStateException("Cannot " + action + ": the BrokerCluster is closed");
    }
  }

  private String describeNodes() {
    return nodes.stream().map(BrokerNode::describe).collect(Collectors.joining("; "));
  }

  private String logTails() {
    StringBuilder tails = new StringBuilder();
    for (BrokerNode node : nodes) {
      tails.append("  log of node ").append(node.id).append(" (").append(node.logFile)
          .append("):\n").append(node.logTail());
    }
    return tails.toString();
  }

  private void killForShutdown() {
    for (BrokerNode node : nodes) {
      try {
        node.killForShutdownHook();
      } catch (RuntimeException e) {
        // Best effort: the JVM is exiting; the node halts by itself once its pipe closes.
      }
    }
    try {
      deleteRecursively(directory);
    } catch (UncheckedIOException e) {
      // Best effort during JVM exit.
    }
  }

  private static boolean failedToBind(BrokerNode node) {
    String tail = node.logTail();
    return tail.contains(BindException.class.getSimpleName())
        || tail.contains("Address already in use");
  }

  private static Map<String, String> settings(BrokerNode node, String voters, int nodes,
      Map<String, String> overrides) {
    String replication = Integer.toString(Math.min(3, nodes));
    String minInSync = Integer.toString(Math.min(2, nodes));
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("process.roles", "broker,controller");
    settings.put("node.id", Integer.toString(node.id));
    settings.put("controller.quorum.voters", voters);
    settings.put("listeners", "PLAINTEXT://" + node.address() + ",CONTROLLER://"
        + BrokerNode.HOST + ":" + node.controllerPort);
    settings.put("advertised.listeners", "PLAINTEXT://" + node.address());
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    settings.put("controller.listener.names", "CONTROLLER");
    settings.put("inter.broker.listener.name", "PLAINTEXT");
    settings.put("log.dirs", node.dataDirectory.toString());
    // Chorus creates its topics explicitly; tests must see a missing topic as missing.
    settings.put("auto.create.topics.enable", "false");
    settings.put("num.partitions", "1");
    settings.put("default.replication.factor", replication);
    settings.put("min.insync.replicas", minInSync);
    // An acknowledged record must never be lost to a failover: no out-of-sync leaders.
    settings.put("unclean.leader.election.enable", "false");
    settings.put("offsets.topic.replication.factor", replication);
    settings.put("offsets.topic.num.partitions", "3");
    settings.put("transaction.state.log.replication.factor", replication);
    settings.put("transaction.state.log.min.isr", minInSync);
    settings.put("transaction.state.log.num.partitions", "3");
    settings.put("share.coordinator.state.topic.replication.factor", replication);
    settings.put("share.coordinator.state.topic.min.isr", minInSync);
    settings.put("share.coordinator.state.topic.num.partitions", "3");
    // Faster tests: groups form at once; the log cleaner's buffer defaults to 128 MiB.
    settings.put("group.initial.rebalance.delay.ms", "0");
    settings.put("log.cleaner.dedupe.buffer.size", "2097152");
    // Fast failover: the controller fences a node that missed heartbeats for 3 s (default 9 s),
    // which also drops it from every ISR; a leader drops a lagging follower after 5 s (30 s).
    settings.put("broker.heartbeat.interval.ms", "500");
    settings.put("broker.session.timeout.ms", "3000");
    settings.put("replica.lag.time.max.ms", "5000");
    // Leaders move only when a test makes them move.
    settings.put("auto.leader.rebalance.enable", "false");
    // Fewer threads: several brokers share two cores.
    settings.put("num.network.threads", "2");
    settings.put("num.io.threads", "4");
    settings.put("background.threads", "4");
    settings.putAll(overrides);
    return settings;
  }

  private static boolean isReserved(String key) {
    return switch (key) {
      case "process.roles", "node.id", "broker.id", "controller.quorum.voters",
          "controller.quorum.bootstrap.servers", "listeners", "advertised.listeners",
          "listener.security.protocol.map", "controller.listener.names",
          "inter.broker.listener.name", "log.dirs", "log.dir", "metadata.log.dir" -> true;
      default -> false;
    };
  }

  /** Binds all ports at once so they are distinct, then frees them for the nodes. */
  private static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(InetAddress.getByName(BrokerNode.HOST), 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find free loopback ports for Kafka", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          // Closing an unused listening socket cannot lose anything.
        }
      }
    }
  }

  private static <T> T await(KafkaFuture<T> future, long deadline, String what) {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KafkaException kafka) {
        throw kafka;
      }
      throw new IllegalStateException("Failed to " + what, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Timed out trying to " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted trying to " + what, e);
    }
  }

  private static int timeoutMillis(long deadline, Duration cap) {
    long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    return (int) Math.max(1, Math.min(remaining, cap.toMillis()));
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }

  private static void pause() {
    LockSupport.parkNanos(POLL_INTERVAL.toNanos());
    if (Thread.currentThread().isInterrupted()) {
      throw new IllegalStateException("Interrupted while waiting for the Kafka cluster");
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete Kafka cluster directory " + root, e);
    }
  }

  private static long millisSince(long nanoTime) {
    return Duration.ofNanos(System.nanoTime() - nanoTime).toMillis();
  }
}
