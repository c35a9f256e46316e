package dev.chorus.internal;

import dev.chorus.EventMetadata;
import dev.chorus.spi.OutgoingRecord;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The per-event cost of the envelope alone, without a transport or a codec: building the
 * headers of an outgoing record ({@link #write}) and reading them back into the metadata a
 * handler sees ({@link #read}), plus the event id. In this package because the envelope is
 * package-private. Run with
 * {@code java -cp ... org.openjdk.jmh.Main EnvelopeBenchmarks}; the suite's runner does not.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EnvelopeBenchmarks {

  /** The Kafka transport's package-private {@code HeaderMap.of(Header[])}. */
  private static final MethodHandle HEADER_MAP_OF = headerMapOf();

  /** Creates the benchmark (JMH does). */
  public EnvelopeBenchmarks() {}

  private static MethodHandle headerMapOf() {
    try {
      Method of = Class.forName("dev.chorus.kafka.HeaderMap").getDeclaredMethod("of", Header[].class);
      of.setAccessible(true);
      return MethodHandles.lookup().unreflect(of).asType(MethodType.methodType(Map.class, Header[].class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the Kafka transport's header map is not where it was", e);
    }
  }

  /** An event's metadata as the engine builds it for a publish without options, and its record. */
  @State(Scope.Benchmark)
  public static class Envelope {
    final String id = UUID.randomUUID().toString();
    final Instant time = Instant.parse("2026-11-23T14:23:24.123456Z");
    final EventMetadata metadata = new EventMetadata(id, "bench.order-placed", "bench", time, "key-17", id, null,
        Map.of());
    final OutgoingRecord record = new OutgoingRecord("bench.orders", "key-17", new byte[] {'{', '}'},
        WireFormat.headers(metadata));
    /** The headers of a Kafka record as the consumer parsed them: names decoded per record, not constants. */
    final Header[] kafkaRecordHeaders = record.headers().entrySet().stream()
        .map(header -> new RecordHeader(new String(header.getKey().toCharArray()), header.getValue()))
        .toArray(Header[]::new);
    /** The same headers as the Kafka transport hands them over. */
    final Map<String, byte[]> kafkaHeaders = kafkaHeaders(kafkaRecordHeaders);

    /** Creates the state (JMH does). */
    public Envelope() {}

    @SuppressWarnings("unchecked")
    static Map<String, byte[]> kafkaHeaders(Header[] headers) {
      try {
        return (Map<String, byte[]>) HEADER_MAP_OF.invokeExact(headers);
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The engine's event id.
   *
   * @return the id
   */
  @Benchmark
  public String eventId() {
    return EventIds.next();
  }

  /**
   * What the engine used before {@link EventIds}: a random UUID from {@code SecureRandom}.
   *
   * @return the id
   */
  @Benchmark
  public String randomUuid() {
    return UUID.randomUUID().toString();
  }

  /**
   * The publishing side: metadata, headers, record.
   *
   * @param state the envelope
   * @return the record
   */
  @Benchmark
  public OutgoingRecord write(Envelope state) {
    EventMetadata metadata = new EventMetadata(state.id, "bench.order-placed", "bench", state.time, "key-17",
        state.id, null, Map.of());
    return new OutgoingRecord("bench.orders", "key-17", state.record.value(), WireFormat.headers(metadata));
  }

  /**
   * The consuming side: the envelope read back from the headers as the in-memory transport keeps them.
   *
   * @param state the envelope
   * @return the metadata
   */
  @Benchmark
  public EventMetadata read(Envelope state) {
    return WireFormat.read("key-17", state.record.headers());
  }

  /**
   * The consuming side on Kafka: the envelope read back from the Kafka transport's header map.
   *
   * @param state the envelope
   * @return the metadata
   */
  @Benchmark
  public EventMetadata readKafka(Envelope state) {
    return WireFormat.read("key-17", state.kafkaHeaders);
  }

  /**
   * The Kafka transport's poll thread: a record's headers into its header map.
   *
   * @param state the envelope
   * @return the map
   */
  @Benchmark
  public Map<String, byte[]> kafkaHeaderMap(Envelope state) {
    return Envelope.kafkaHeaders(state.kafkaRecordHeaders);
  }
}
