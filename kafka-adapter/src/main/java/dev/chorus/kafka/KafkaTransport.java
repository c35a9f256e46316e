package dev.chorus.kafka;

import dev.chorus.PublishException;
import dev.chorus.StartPosition;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.RecordTooLargeException;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Apache Kafka transport, on kafka-clients only. Thread-safe.
 *
 * <pre>{@code
 * Transport kafka = KafkaTransport.builder()
 *     .bootstrapServers("broker-1:9092,broker-2:9092")
 *     .property("security.protocol", "SASL_SSL")
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li>One {@link KafkaProducer} for all publishing, with {@code acks=all} and idempotence on by
 *       default; a publish completes on the broker's acknowledgement, or exceptionally.
 *   <li>One {@link org.apache.kafka.clients.consumer.KafkaConsumer} per subscription, with
 *       {@code enable.auto.commit=false} (always: positions are committed by the engine only up
 *       to the oldest unfinished event), byte-array deserializers, the cooperative sticky
 *       assignor, {@code max.poll.records=100} and {@code fetch.max.wait.ms=100} (Kafka's
 *       defaults are 500 and 500; a property given to the builder wins). Records are parsed poll
 *       by poll, and a poll of 100 keeps what the engine and the handler thread read next in the
 *       cores' caches: consuming runs about 40 % faster than with 500 on the machine the
 *       benchmarks ran on. The engine pauses a partition while many of its records wait and
 *       resumes it later; a fetch for it cannot start while the consumer's previous fetch waits
 *       at the broker for partitions that have no new records, which is at most
 *       {@code fetch.max.wait.ms}. The price is an idle consumer asking each broker ten times a
 *       second instead of twice.
 *   <li>Topics (dead-letter topics included) are created on first use with
 *       {@link Builder#partitions} partitions unless {@link Builder#createTopics(boolean)} is
 *       off; then a missing topic is an error that names it.
 *   <li>Every client property given to the builder (security, SASL, SSL, timeouts, ...) goes to
 *       the producer, the consumers and the admin client alike.
 * </ul>
 */
public final class KafkaTransport implements Transport {

  /** Default {@code fetch.max.wait.ms} of the consumers: how long a resumed partition may wait for its first fetch. */
  private static final int FETCH_MAX_WAIT_MS = 100;
  /** Default {@code max.poll.records} of the consumers: see {@link #consumer}. */
  private static final int MAX_POLL_RECORDS = 100;

  private final Map<String, Object> properties;
  private final Duration closeTimeout;
  private final KafkaProducer<byte[], byte[]> producer;
  private final TopicAdmin topics;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger consumerIds = new AtomicInteger();
  private final String clientId;

  private KafkaTransport(Builder builder) {
    this.properties = Map.copyOf(builder.properties);
    this.closeTimeout = builder.closeTimeout;
    this.clientId = builder.clientId;
    Map<String, Object> producerConfig = new HashMap<>();
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerConfig.putAll(properties);
    producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
    producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producer = new KafkaProducer<>(producerConfig);
    Map<String, Object> adminConfig = new HashMap<>(adminProperties(properties));
    adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
    this.topics = new TopicAdmin(Admin.create(adminConfig), builder.createTopics, builder.partitions,
        builder.replicationFactor, builder.requestTimeout);
  }

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Appends a record: creates its topic first if needed and allowed, then sends it with the
   * record key as the Kafka key (UTF-8), the value as is, and the headers as Kafka headers.
   *
   * @param record the record
   * @return a future completed on the broker's acknowledgement, or exceptionally with a
   *     {@link PublishException} (topic missing, send refused, timed out), a
   *     {@link RecordTooLargeException} if the record exceeds the producer's
   *     {@code max.request.size} or the topic's {@code max.message.bytes}
   */
  @Override
  public CompletableFuture<RecordPosition> send(OutgoingRecord record) {
    CompletableFuture<RecordPosition> result = new CompletableFuture<>();
    send(record, (position, error) -> {
      if (error == null) {
        result.complete(position);
      } else {
        result.completeExceptionally(error);
      }
    });
    return result;
  }

  /**
   * Appends a record as {@link #send(OutgoingRecord)} does, calling {@code callback} from the
   * producer's callback on its I/O thread (or on the calling thread if the record is refused at
   * once), without a future in between.
   *
   * @param record the record
   * @param callback told of the position or the failure, once
   */
  @Override
  public void send(OutgoingRecord record, BiConsumer<? super RecordPosition, ? super Throwable> callback) {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(callback, "callback");
    if (closed.get()) {
      callback.accept(null, new IllegalStateException("the Kafka transport is closed"));
      return;
    }
    Completion completion = new Completion(record.topic(), callback);
    try {
      topics.ensure(List.of(record.topic()));
      RecordHeaders headers = new RecordHeaders();
      record.headers().forEach(headers::add);
      byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
      producer.send(new ProducerRecord<>(record.topic(), null, key, record.value(), headers), completion);
    } catch (RuntimeException e) {
      completion.fail(new PublishException("could not send a record to " + record.topic() + ": " + e.getMessage(),
          null, record.topic(), e));
    }
  }

  /**
   * The producer's callback for one record: tells the engine's callback once (it extends
   * {@link AtomicBoolean} for that, rather than holding one), however the producer and a
   * synchronous failure of {@code send} interleave.
   */
  private static final class Completion extends AtomicBoolean implements Callback {
    private static final long serialVersionUID = 1L;
    private final transient String topic;
    private final transient BiConsumer<? super RecordPosition, ? super Throwable> callback;

    Completion(String topic, BiConsumer<? super RecordPosition, ? super Throwable> callback) {
      this.topic = topic;
      this.callback = callback;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception error) {
      if (error != null) {
        String message = "Kafka did not accept a record for " + topic + ": " + error.getMessage();
        // Too large for max.request.size or the topic's max.message.bytes: sending it again cannot help.
        fail(error instanceof org.apache.kafka.common.errors.RecordTooLargeException
            || error instanceof RecordBatchTooLargeException
            ? new RecordTooLargeException(message, topic, error)
            : new PublishException(message, null, topic, error));
      } else if (compareAndSet(false, true)) {
        callback.accept(new RecordPosition(metadata.topic(), metadata.partition(), metadata.offset(),
            Instant.ofEpochMilli(metadata.timestamp())), null);
      }
    }

    void fail(Throwable error) {
      if (compareAndSet(false, true)) {
        callback.accept(null, error);
      }
    }
  }

  /**
   * Joins a consumer group with a new {@link org.apache.kafka.clients.consumer.KafkaConsumer},
   * creating the topics first if needed and allowed.
   *
   * @throws dev.chorus.ChorusException if a topic is missing and may not be created
   */
  @Override
  public TransportConsumer consumer(String group, Collection<String> topicNames, StartPosition start,
      RebalanceListener listener) {
    if (closed.get()) {
      throw new IllegalStateException("the Kafka transport is closed");
    }
    topics.ensure(topicNames);
    Map<String, Object> config = new HashMap<>(properties);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + group + "-" + consumerIds.incrementAndGet());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start.name().toLowerCase(Locale.ROOT));
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    // A consumer has one fetch in flight per broker. When it holds only partitions at the end of
    // their log, the broker parks it for up to fetch.max.wait.ms, and a partition the engine has
    // just resumed (or whose buffered records just ran out) is fetched only after that: with
    // Kafka's 500 ms the handlers could run dry for up to half a second.
    config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS);
    // Each poll parses its records (headers included) into objects that the engine reads right
    // after and a handler thread reads next: Kafka's 500 records a poll come to more than a core's
    // cache holds. Measured on the benchmarks' 2-vCPU machine, 1,000,000 records, no-op handler:
    // 284 k events/s at 500, 362 k at 200, 404 k at 100, 398 k at 50.
    config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
    return new KafkaGroupConsumer(config, group, topicNames, listener, closeTimeout);
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<String> topicNames) {
    return topics.endOffsets(topicNames);
  }

  @Override
  public Map<TopicPartition, Long> committedOffsets(String group, Collection<String> topicNames) {
    return topics.committedOffsets(group, topicNames);
  }

  /** Flushes and closes the producer and the admin client (bounded by the close timeout). Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      producer.close(closeTimeout);
      topics.close();
    }
  }

  @Override
  public String toString() {
    return "KafkaTransport[" + properties.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) + "]";
  }

  private static Map<String, Object> adminProperties(Map<String, Object> properties) {
    Map<String, Object> admin = new HashMap<>();
    properties.forEach((name, value) -> {
      if (AdminClientConfig.configNames().contains(name) || name.startsWith("sasl.") || name.startsWith("ssl.")) {
        admin.put(name, value);
      }
    });
    return admin;
  }

  /**
   * Builds a {@link KafkaTransport}. Not thread-safe; {@link #build()} may be called again.
   */
  public static final class Builder {
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private boolean createTopics = true;
    private int partitions = 4;
    private Optional<Short> replicationFactor = Optional.empty();
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(30);
    private String clientId = "chorus";

    private Builder() {}

    /**
     * The brokers to connect to; required.
     *
     * @param bootstrapServers {@code host:port} pairs separated by commas
     * @return this builder
     * @throws IllegalArgumentException if blank
     */
    public Builder bootstrapServers(String bootstrapServers) {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      if (bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers cannot be blank");
      }
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      return this;
    }

    /**
     * A kafka-clients property for the producer, the consumers and the admin client, such as
     * {@code security.protocol}, {@code sasl.jaas.config} or {@code linger.ms}. Properties
     * Chorus must control ({@code enable.auto.commit}, {@code group.id}, serializers) are
     * rejected.
     *
     * @param name the property name
     * @param value its value
     * @return this builder
     * @throws IllegalArgumentException if Chorus controls the property
     */
    public Builder property(String name, Object value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (List.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.GROUP_ID_CONFIG,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG).contains(name)) {
        throw new IllegalArgumentException("property " + name + " is set by Chorus and cannot be overridden");
      }
      properties.put(name, value);
      return this;
    }

    /**
     * Several kafka-clients properties, as with {@link #property(String, Object)}.
     *
     * @param properties the properties
     * @return this builder
     */
    public Builder properties(Map<String, ?> properties) {
      properties.forEach(this::property);
      return this;
    }

    /**
     * Whether missing topics are created; default true. When false, a missing topic is an
     * error naming it.
     *
     * @param createTopics whether to create topics
     * @return this builder
     */
    public Builder createTopics(boolean createTopics) {
      this.createTopics = createTopics;
      return this;
    }

    /**
     * Partitions of topics this transport creates; default 4, like the in-memory transport.
     *
     * @param partitions at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder partitions(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
      }
      this.partitions = partitions;
      return this;
    }

    /**
     * Replication factor of topics this transport creates; default the broker's
     * {@code default.replication.factor}.
     *
     * @param replicationFactor at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder replicationFactor(int replicationFactor) {
      if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
        throw new IllegalArgumentException("replicationFactor must be between 1 and 32767: " + replicationFactor);
      }
      this.replicationFactor = Optional.of((short) replicationFactor);
      return this;
    }

    /**
     * How long admin requests (topic creation, offset queries) may take; default 30 seconds.
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /**
     * How long closing the producer (flushing) and each consumer may take; default 30 seconds.
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = positive("closeTimeout", timeout);
      return this;
    }

    /**
     * Prefix of the clients' {@code client.id}; default {@code "chorus"}.
     *
     * @param clientId the prefix
     * @return this builder
     */
    public Builder clientId(String clientId) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      return this;
    }

    /**
     * Builds the transport and connects its producer and admin client.
     *
     * @return a new transport
     * @throws IllegalStateException if no bootstrap servers were given
     */
    public KafkaTransport build() {
      if (!properties.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
        throw new IllegalStateException("bootstrapServers is required: KafkaTransport.builder().bootstrapServers(...)");
      }
      return new KafkaTransport(this);
    }

    private static Duration positive(String name, Duration duration) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + duration);
      }
      return duration;
    }
  }
}
