package dev.chorus.kafka;

import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportProvider;
import java.util.Map;

/**
 * Creates a {@link KafkaTransport} for {@code chorus.transport=kafka}. Every
 * {@code chorus.kafka.*} entry is passed to the Kafka clients without the prefix
 * ({@code chorus.kafka.bootstrap.servers=broker:9092}); {@code chorus.topics.create} (true or
 * false), {@code chorus.topics.partitions} and {@code chorus.topics.replication-factor} set
 * topic creation.
 */
public final class KafkaTransportProvider implements TransportProvider {

  private static final String PREFIX = "chorus.kafka.";

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public KafkaTransportProvider() {}

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public Transport create(Map<String, String> config) {
    KafkaTransport.Builder builder = KafkaTransport.builder();
    String servers = config.get(PREFIX + "bootstrap.servers");
    if (servers == null) {
      throw new IllegalArgumentException("chorus.kafka.bootstrap.servers is required for chorus.transport=kafka");
    }
    config.forEach((key, value) -> {
      if (key.startsWith(PREFIX)) {
        builder.property(key.substring(PREFIX.length()), value);
      }
    });
    String create = config.get("chorus.topics.create");
    if (create != null) {
      if (!create.equals("true") && !create.equals("false")) {
        throw new IllegalArgumentException("chorus.topics.create must be true or false: '" + create + "'");
      }
      builder.createTopics(Boolean.parseBoolean(create));
    }
    builder.partitions(integer(config, "chorus.topics.partitions", 4));
    String replication = config.get("chorus.topics.replication-factor");
    if (replication != null) {
      builder.replicationFactor(integer(config, "chorus.topics.replication-factor", 1));
    }
    return builder.build();
  }

  private static int integer(Map<String, String> config, String key, int fallback) {
    String value = config.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer: '" + value + "'", e);
    }
  }
}
