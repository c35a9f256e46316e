package dev.chorus.benchmarks;

import dev.chorus.EventBus;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.kafka.KafkaTransport;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;

/**
 * The Kafka scenarios: every contender on the same broker, topics, payloads and producer settings,
 * run alternately.
 */
final class KafkaScenarios implements AutoCloseable {

  static final String CHORUS = "Chorus";
  static final String HAND = "KafkaProducer/Consumer + Jackson";
  static final String SPRING = "Spring Kafka 4.1";
  static final String PUBLISH = "Kafka publish";
  static final String PUBLISH_CPU_CALLER = "Kafka publish, CPU per event: publishing thread";
  static final String PUBLISH_CPU_IO = "Kafka publish, CPU per event: producer I/O thread";
  static final String PUBLISH_CPU_OTHER = "Kafka publish, CPU per event: other threads (broker, GC, JIT)";
  static final String CONSUME = "Kafka consume";
  static final String P50 = "Kafka latency p50 @5k/s";
  static final String P99 = "Kafka latency p99 @5k/s";
  static final String P999 = "Kafka latency p99.9 @5k/s";
  static final String KEYED = "Kafka blocking handler, 1,000 keys";
  static final int PARTITIONS = 6;
  static final int KEYED_PARTITIONS = 4;
  static final int KEYS = 1_000;
  private static final Duration WAIT = Duration.ofSeconds(120);

  private final EmbeddedKafka kafka;
  private final Settings settings;
  private final Results results;
  private final AtomicInteger groups = new AtomicInteger();

  KafkaScenarios(EmbeddedKafka kafka, Settings settings, Results results) {
    this.kafka = kafka;
    this.settings = settings;
    this.results = results;
    kafka.createTopic(Events.PUBLISH_TOPIC, PARTITIONS);
    kafka.createTopic(Events.CONSUME_TOPIC, PARTITIONS);
    kafka.createTopic(Events.LATENCY_TOPIC, PARTITIONS);
    kafka.createTopic(Events.KEYED_TOPIC, KEYED_PARTITIONS);
    kafka.createTopic(Events.BACKLOG_TOPIC, PARTITIONS);
  }

  EventBus chorusBus() {
    return EventBus.builder()
        .transport(KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers())
            .properties(Wire.sharedProducerSettings()).createTopics(false).build())
        .source(Wire.SOURCE)
        .build();
  }

  private KafkaProducer<String, byte[]> producer() {
    Map<String, Object> config = Wire.producerSettings(kafka.bootstrapServers());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaProducer<>(config);
  }

  private KafkaTemplate<String, byte[]> springTemplate() {
    Map<String, Object> config = Wire.producerSettings(kafka.bootstrapServers());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(config));
  }

  private Map<String, Object> consumerConfig(String group, String reset) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    // Chorus uses the cooperative sticky assignor; every contender does.
    config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    return config;
  }

  private String group(String prefix) {
    return prefix + "-" + groups.incrementAndGet();
  }

  private static ProducerRecord<String, byte[]> record(String topic, long i, int keys, long sentNanos) {
    String key = Events.key(i, keys);
    byte[] value = Wire.encode(new Events.Published(key, Events.Order.number(i), sentNanos));
    return new ProducerRecord<>(topic, null, key, value, Wire.cloudEventHeaders());
  }

  /** Writes {@code count} records as the hand-written producer does, and waits for every acknowledgement. */
  void fill(String topic, long count, int keys) {
    try (KafkaProducer<String, byte[]> producer = producer()) {
      AtomicLong failed = new AtomicLong();
      for (long i = 0; i < count; i++) {
        producer.send(record(topic, i, keys, 0), (metadata, error) -> {
          if (error != null) {
            failed.incrementAndGet();
          }
        });
      }
      producer.flush();
      if (failed.get() > 0) {
        throw new IllegalStateException(failed.get() + " of " + count + " records to " + topic + " failed");
      }
    }
  }

  // ---------------------------------------------------------------- publish

  void publish() throws Exception {
    int n = settings.publishEvents();
    System.out.println("Kafka publish: " + n + " events per run");
    try (EventBus bus = chorusBus(); KafkaProducer<String, byte[]> producer = producer()) {
      KafkaTemplate<String, byte[]> template = springTemplate();
      try {
        for (int round = -settings.warmups(); round < settings.runs(); round++) {
          boolean measured = round >= 0;
          long offset = (long) (round + settings.warmups()) * n;
          inTurn(round,
              () -> recordPublish(measured, CHORUS, n, () -> publishChorus(bus, offset, n)),
              () -> recordPublish(measured, HAND, n, () -> publishHand(producer, offset, n)),
              () -> recordPublish(measured, SPRING, n, () -> publishSpring(template, offset, n)));
        }
      } finally {
        template.destroy();
        ((DefaultKafkaProducerFactory<String, byte[]>) template.getProducerFactory()).destroy();
      }
    }
  }

  /** One contender's run in a round. */
  @FunctionalInterface
  interface Turn {
    void run() throws Exception;
  }

  /**
   * Runs the contenders of one round, the first of them taking turns from round to round, so
   * that none always runs first (after the others' garbage, or on a broker just written to).
   */
  static void inTurn(int round, Turn... turns) throws Exception {
    int first = Math.floorMod(round, turns.length);
    for (int i = 0; i < turns.length; i++) {
      turns[(first + i) % turns.length].run();
    }
  }

  /** Records a publish run's rate and the CPU each kind of thread spent on it, per event. */
  private void recordPublish(boolean measured, String contender, int n, Callable<long[]> run) throws Exception {
    ThreadCpu before = ThreadCpu.now();
    long[] rateAndCount = run.call();
    ThreadCpu spent = ThreadCpu.now().since(before);
    record(measured, PUBLISH, contender, n, rateAndCount);
    if (measured) {
      results.add(PUBLISH_CPU_CALLER, contender, "µs", false, perEvent(spent.callerNanos(), n, rateAndCount[1]));
      results.add(PUBLISH_CPU_IO, contender, "µs", false, perEvent(spent.producerIoNanos(), n, rateAndCount[1]));
      results.add(PUBLISH_CPU_OTHER, contender, "µs", false, perEvent(spent.otherNanos(), n, rateAndCount[1]));
    }
  }

  private static Results.Run perEvent(long nanos, int expected, long processed) {
    return new Results.Run(nanos / 1_000.0 / expected, expected, processed);
  }

  private void record(boolean measured, String scenario, String contender, long expected, long[] rateAndCount) {
    if (measured) {
      results.add(scenario, contender, "events/s", true,
          new Results.Run(rateAndCount[0], expected, rateAndCount[1]));
    }
  }

  private static long[] publishChorus(EventBus bus, long offset, int n) {
    AtomicLong acked = new AtomicLong();
    CompletableFuture<?>[] futures = new CompletableFuture<?>[n];
    long began = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long seq = offset + i;
      futures[i] = bus.publish(new Events.Published(Events.key(seq, KEYS), Events.Order.number(seq), 0))
          .thenRun(acked::incrementAndGet);
    }
    CompletableFuture.allOf(futures).join();
    return new long[] {rate(n, began), acked.get()};
  }

  private static long[] publishHand(KafkaProducer<String, byte[]> producer, long offset, int n)
      throws InterruptedException {
    AtomicLong acked = new AtomicLong();
    CountDownLatch done = new CountDownLatch(n);
    long began = System.nanoTime();
    for (int i = 0; i < n; i++) {
      producer.send(record(Events.PUBLISH_TOPIC, offset + i, KEYS, 0), (metadata, error) -> {
        if (error == null) {
          acked.incrementAndGet();
        }
        done.countDown();
      });
    }
    await(done);
    return new long[] {rate(n, began), acked.get()};
  }

  private static long[] publishSpring(KafkaTemplate<String, byte[]> template, long offset, int n) {
    AtomicLong acked = new AtomicLong();
    CompletableFuture<?>[] futures = new CompletableFuture<?>[n];
    long began = System.nanoTime();
    for (int i = 0; i < n; i++) {
      futures[i] = template.send(record(Events.PUBLISH_TOPIC, offset + i, KEYS, 0)).thenRun(acked::incrementAndGet);
    }
    CompletableFuture.allOf(futures).join();
    return new long[] {rate(n, began), acked.get()};
  }

  // ---------------------------------------------------------------- consume

  /** Counts handled events and times the first to the last, so group joins are left out for everyone. */
  static final class Progress {
    private final long expected;
    private final AtomicLong handled = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile long first;
    private volatile long last;

    Progress(long expected) {
      this.expected = expected;
    }

    long handled() {
      long count = handled.incrementAndGet();
      if (count == 1) {
        first = System.nanoTime();
      }
      if (count == expected) {
        last = System.nanoTime();
        done.countDown();
      }
      return count;
    }

    long count() {
      return handled.get();
    }

    void await() throws InterruptedException {
      if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("only " + handled.get() + " of " + expected + " events arrived within " + WAIT);
      }
    }

    double rate() {
      return (expected - 1) * 1e9 / Math.max(1, last - first);
    }
  }

  void consume() throws Exception {
    int n = settings.consumeEvents();
    System.out.println("Kafka consume: filling " + Events.CONSUME_TOPIC + " with " + n + " events");
    fill(Events.CONSUME_TOPIC, n, KEYS);
    try (EventBus bus = chorusBus()) {
      for (int round = -settings.warmups(); round < settings.runs(); round++) {
        boolean measured = round >= 0;
        inTurn(round,
            () -> record(measured, CONSUME, CHORUS, n, consumeChorus(bus, n)),
            () -> record(measured, CONSUME, HAND, n, consumeHand(n)),
            () -> record(measured, CONSUME, SPRING, n, consumeSpring(n)));
      }
    }
  }

  private long[] consumeChorus(EventBus bus, long n) throws InterruptedException {
    Progress progress = new Progress(n);
    AtomicLong sink = new AtomicLong();
    Subscription subscription = bus.subscribe(Events.Consumed.class).group(group("chorus-consume"))
        .startFrom(StartPosition.EARLIEST)
        .handle((event, context) -> {
          sink.lazySet(event.sentNanos());
          progress.handled();
        });
    try {
      progress.await();
    } finally {
      subscription.close();
    }
    return new long[] {(long) progress.rate(), progress.count()};
  }

  private long[] consumeHand(long n) {
    Progress progress = new Progress(n);
    long sink = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig(group("hand-consume"), "earliest"))) {
      consumer.subscribe(List.of(Events.CONSUME_TOPIC));
      while (progress.count() < n && System.nanoTime() < deadline) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
        for (ConsumerRecord<String, byte[]> record : records) {
          Events.Consumed event = Wire.decode(record.value(), Events.Consumed.class);
          sink += event.sentNanos();
          progress.handled();
        }
        if (!records.isEmpty()) {
          consumer.commitSync();
        }
      }
    }
    if (sink < 0) {
      throw new AssertionError();
    }
    return new long[] {progress.count() == n ? (long) progress.rate() : 0, progress.count()};
  }

  private KafkaMessageListenerContainer<String, byte[]> springContainer(String topic, String group, String reset,
      MessageListener<String, byte[]> listener, CountDownLatch assigned) {
    ContainerProperties properties = new ContainerProperties(topic);
    properties.setGroupId(group);
    properties.setAckMode(ContainerProperties.AckMode.BATCH);
    properties.setSyncCommits(true);
    properties.setMessageListener(listener);
    AtomicInteger partitions = new AtomicInteger();
    properties.setConsumerRebalanceListener(new ConsumerAwareRebalanceListener() {
      @Override
      public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assignment) {
        if (reset.equals("latest")) {
          consumer.seekToEnd(assignment);
          assignment.forEach(consumer::position);
        }
        for (int i = 0; i < assignment.size(); i++) {
          if (partitions.incrementAndGet() <= PARTITIONS) {
            assigned.countDown();
          }
        }
      }
    });
    DefaultKafkaConsumerFactory<String, byte[]> factory = new DefaultKafkaConsumerFactory<>(consumerConfig(group, reset));
    KafkaMessageListenerContainer<String, byte[]> container = new KafkaMessageListenerContainer<>(factory, properties);
    container.setBeanName(group);
    return container;
  }

  private long[] consumeSpring(long n) throws InterruptedException {
    Progress progress = new Progress(n);
    AtomicLong sink = new AtomicLong();
    KafkaMessageListenerContainer<String, byte[]> container = springContainer(Events.CONSUME_TOPIC,
        group("spring-consume"), "earliest", record -> {
          sink.lazySet(Wire.decode(record.value(), Events.Consumed.class).sentNanos());
          progress.handled();
        }, new CountDownLatch(PARTITIONS));
    container.start();
    try {
      progress.await();
    } finally {
      container.stop();
    }
    return new long[] {(long) progress.rate(), progress.count()};
  }

  // ---------------------------------------------------------------- latency

  /** Latencies of one run, one slot per event, filled by whichever thread handles it. */
  static final class Latencies {
    private final long[] nanos;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong extra = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);

    Latencies(int expected) {
      nanos = new long[expected];
    }

    void received(long sentNanos) {
      long latency = System.nanoTime() - sentNanos;
      int slot = next.getAndIncrement();
      if (slot >= nanos.length) {
        extra.incrementAndGet();
        return;
      }
      nanos[slot] = latency;
      if (slot == nanos.length - 1) {
        done.countDown();
      }
    }

    long count() {
      return Math.min(next.get(), nanos.length) + extra.get();
    }

    void await() throws InterruptedException {
      if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("only " + next.get() + " of " + nanos.length + " events arrived");
      }
    }

    double percentileMillis(double percentile) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }
  }

  /** Sends {@code count} events at a fixed rate; each carries the time it was due (no coordinated omission). */
  private interface PacedSender {
    void send(long seq, long dueNanos);
  }

  private void paced(int count, PacedSender sender) {
    long period = 1_000_000_000L / settings.latencyRate();
    long start = System.nanoTime() + 1_000_000;
    for (int i = 0; i < count; i++) {
      long due = start + i * period;
      long now;
      while ((now = System.nanoTime()) < due) {
        LockSupport.parkNanos(due - now);
      }
      sender.send(i, due);
    }
  }

  void latency() throws Exception {
    int n = (int) (settings.latencyDuration().toSeconds() == 0
        ? settings.latencyDuration().toMillis() * settings.latencyRate() / 1000
        : settings.latencyDuration().toSeconds() * settings.latencyRate());
    int warm = (int) (settings.latencyWarmup().toMillis() * settings.latencyRate() / 1000);
    System.out.println("Kafka latency: " + n + " events at " + settings.latencyRate() + "/s per run");
    try (EventBus bus = chorusBus(); KafkaProducer<String, byte[]> producer = producer()) {
      KafkaTemplate<String, byte[]> template = springTemplate();
      try {
        for (int round = warm > 0 ? -1 : 0; round < settings.runs(); round++) {
          boolean measured = round >= 0;
          int count = measured ? n : warm;
          inTurn(round,
              () -> latencyRecord(measured, CHORUS, count, latencyChorus(bus, count)),
              () -> latencyRecord(measured, HAND, count, latencyHand(producer, count)),
              () -> latencyRecord(measured, SPRING, count, latencySpring(template, count)));
        }
      } finally {
        template.destroy();
        ((DefaultKafkaProducerFactory<String, byte[]>) template.getProducerFactory()).destroy();
      }
    }
  }

  private void latencyRecord(boolean measured, String contender, int expected, Latencies latencies) {
    if (measured) {
      long count = latencies.count();
      results.add(P50, contender, "ms", false, new Results.Run(latencies.percentileMillis(50), expected, count));
      results.add(P99, contender, "ms", false, new Results.Run(latencies.percentileMillis(99), expected, count));
      results.add(P999, contender, "ms", false, new Results.Run(latencies.percentileMillis(99.9), expected, count));
    }
  }

  private Latencies latencyChorus(EventBus bus, int n) throws InterruptedException {
    Latencies latencies = new Latencies(n);
    AtomicLong failed = new AtomicLong();
    // LATEST: subscribe returns once the group has a position on every partition.
    Subscription subscription = bus.subscribe(Events.Timed.class).group(group("chorus-latency"))
        .startFrom(StartPosition.LATEST).handle((event, context) -> latencies.received(event.sentNanos()));
    try {
      paced(n, (seq, due) -> bus.publish(new Events.Timed(Events.key(seq, KEYS), Events.Order.number(seq), due))
          .exceptionally(e -> {
            failed.incrementAndGet();
            return null;
          }));
      latencies.await();
    } finally {
      subscription.close();
    }
    requireNoFailures(failed, CHORUS);
    return latencies;
  }

  private Latencies latencyHand(KafkaProducer<String, byte[]> producer, int n) throws Exception {
    Latencies latencies = new Latencies(n);
    AtomicLong failed = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch assigned = new CountDownLatch(1);
    Thread poller = new Thread(() -> {
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig(group("hand-latency"), "latest"))) {
        consumer.subscribe(List.of(Events.LATENCY_TOPIC), new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(consumer::position);
            if (consumer.assignment().size() == PARTITIONS) {
              assigned.countDown();
            }
          }
        });
        while (!stop.get()) {
          ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
          for (ConsumerRecord<String, byte[]> record : records) {
            latencies.received(Wire.decode(record.value(), Events.Timed.class).sentNanos());
          }
          if (!records.isEmpty()) {
            consumer.commitSync();
          }
        }
      }
    }, "hand-latency-poll");
    poller.start();
    try {
      if (!assigned.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the hand-written consumer got no partitions");
      }
      paced(n, (seq, due) -> producer.send(record(Events.LATENCY_TOPIC, seq, KEYS, due), (metadata, error) -> {
        if (error != null) {
          failed.incrementAndGet();
        }
      }));
      latencies.await();
    } finally {
      stop.set(true);
      poller.join();
    }
    requireNoFailures(failed, HAND);
    return latencies;
  }

  private Latencies latencySpring(KafkaTemplate<String, byte[]> template, int n) throws InterruptedException {
    Latencies latencies = new Latencies(n);
    AtomicLong failed = new AtomicLong();
    CountDownLatch assigned = new CountDownLatch(PARTITIONS);
    KafkaMessageListenerContainer<String, byte[]> container = springContainer(Events.LATENCY_TOPIC,
        group("spring-latency"), "latest",
        record -> latencies.received(Wire.decode(record.value(), Events.Timed.class).sentNanos()), assigned);
    container.start();
    try {
      if (!assigned.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the Spring container got no partitions");
      }
      paced(n, (seq, due) -> template.send(record(Events.LATENCY_TOPIC, seq, KEYS, due)).exceptionally(e -> {
        failed.incrementAndGet();
        return null;
      }));
      latencies.await();
    } finally {
      container.stop();
    }
    requireNoFailures(failed, SPRING);
    return latencies;
  }

  private static void requireNoFailures(AtomicLong failed, String contender) {
    if (failed.get() > 0) {
      throw new IllegalStateException(contender + ": " + failed.get() + " sends failed");
    }
  }

  // ---------------------------------------------------------------- key-level parallelism

  void keyed() throws Exception {
    int n = settings.keyedEvents();
    System.out.println("Kafka blocking handler: filling " + Events.KEYED_TOPIC + " with " + n + " events, "
        + KEYS + " keys");
    fill(Events.KEYED_TOPIC, n, KEYS);
    try (EventBus bus = chorusBus()) {
      for (int round = settings.warmups() > 0 ? -1 : 0; round < settings.runs(); round++) {
        boolean measured = round >= 0;
        for (int concurrency : new int[] {1, 32}) {
          Progress progress = new Progress(n);
          Subscription subscription = bus.subscribe(Events.Keyed.class).group(group("chorus-keyed"))
              .startFrom(StartPosition.EARLIEST).concurrency(concurrency)
              .handle((event, context) -> {
                block(Duration.ofMillis(1)); // the blocking work being measured
                progress.handled();
              });
          try {
            progress.await();
          } finally {
            subscription.close();
          }
          if (measured) {
            results.add(KEYED, "Chorus concurrency(" + concurrency + ")", "events/s", true,
                new Results.Run(progress.rate(), n, progress.count()));
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Blocks the calling thread for {@code duration}, as a handler calling a slow service would. */
  static void block(Duration duration) {
    long until = System.nanoTime() + duration.toNanos();
    long left;
    while ((left = until - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  private static long rate(long count, long beganNanos) {
    return (long) (count * 1e9 / Math.max(1, System.nanoTime() - beganNanos));
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(latch.getCount() + " acknowledgements missing after " + WAIT);
    }
  }

  @Override
  public void close() {}
}
