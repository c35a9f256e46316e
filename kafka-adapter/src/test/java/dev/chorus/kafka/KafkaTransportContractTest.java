package dev.chorus.kafka;

import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import dev.chorus.spi.Transport;
import dev.chorus.testkit.TransportContractTest;
import org.junit.jupiter.api.extension.ExtendWith;

/** The transport contract suite, unchanged, on a real Kafka broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaTransportContractTest extends TransportContractTest {

  private final EmbeddedKafka kafka;

  KafkaTransportContractTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @Override
  protected Transport transport() {
    return KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers()).build();
  }

  @Override
  protected boolean busOwnsTransport() {
    return true;
  }
}
