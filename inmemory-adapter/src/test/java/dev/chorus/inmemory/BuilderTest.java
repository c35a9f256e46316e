package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BuilderTest {

  @Test
  void topicsCreatedOnDemandHaveFourPartitionsByDefault() {
    InMemoryTransport transport = InMemoryTransport.create();
    transport.send(TestRecords.record("orders", "k", "v")).join();

    assertThat(transport.endOffsets(List.of("orders"))).hasSize(4);
  }

  @Test
  void partitionsSetsTheCountOfTopicsCreatedOnDemand() {
    InMemoryTransport transport = InMemoryTransport.builder().partitions(7).build();
    transport.send(TestRecords.record("orders", "k", "v")).join();

    assertThat(transport.endOffsets(List.of("orders"))).hasSize(7);
  }

  @Test
  void retentionKeeps10000RecordsPerPartitionByDefault() {
    InMemoryTransport transport = InMemoryTransport.builder().partitions(1).build();
    for (int i = 0; i < 10_001; i++) {
      transport.send(TestRecords.record("orders", null, "v" + i)).join();
    }

    assertThat(transport.records("orders")).hasSize(10_000);
    assertThat(transport.records("orders").get(0).offset()).isEqualTo(1L);
  }

  @Test
  void invalidOptionsFailAtOnceNamingTheOption() {
    InMemoryTransport.Builder builder = InMemoryTransport.builder();

    assertThatThrownBy(() -> builder.partitions(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be at least 1: 0");
    assertThatThrownBy(() -> builder.retention(-5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retention must be at least 1 record per partition: -5");
    assertThatThrownBy(() -> builder.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
  }

  @Test
  void buildCanBeCalledAgainAndReturnsIndependentTransports() {
    InMemoryTransport.Builder builder = InMemoryTransport.builder().partitions(2);
    InMemoryTransport first = builder.build();
    InMemoryTransport second = builder.build();

    first.send(TestRecords.record("orders", "k", "v")).join();

    assertThat(first.records("orders")).hasSize(1);
    assertThat(second.records("orders")).isEmpty();
  }
}
