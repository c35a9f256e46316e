/**
 * Chorus on Apache Kafka: {@link dev.chorus.kafka.KafkaTransport}, built on kafka-clients only.
 */
module dev.chorus.kafka {
  requires transitive dev.chorus.core;
  requires kafka.clients;
  requires org.slf4j;

  exports dev.chorus.kafka;

  provides dev.chorus.spi.TransportProvider with dev.chorus.kafka.KafkaTransportProvider;
}
