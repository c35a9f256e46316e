package dev.chorus.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.PublishOptions;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.TransportRecord;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** W3C Trace Context travels with events: from the publisher, through retries, chains and dead letters. */
class TraceContextTest {

  /** The first hop. */
  @EventType(value = "trace.started", topic = "trace.started")
  public record Started(@EventKey String id) {}

  /** The second hop, published while handling the first. */
  @EventType(value = "trace.continued", topic = "trace.continued")
  public record Continued(@EventKey String id) {}

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private final InMemoryTransport transport = InMemoryTransport.create();
  private final AtomicReference<String> ambient = new AtomicReference<>();
  private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().transport(transport).clock(VirtualClock.autoAdvancing())
      .traceContext(ambient::get).listener(new EventBusListener() {
        @Override
        public void onDeadLettered(DeadLetter deadLetter, String topic) {
          deadLetters.add(deadLetter);
        }
      }).build();

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void theAmbientTraceIsCarriedAcrossRetriesIntoFollowUpsAndDeadLetters() {
    List<Optional<String>> startedAttempts = new CopyOnWriteArrayList<>();
    bus.subscribe(Started.class).group("first").handle((event, ctx) -> {
      startedAttempts.add(ctx.metadata().traceparent());
      if (ctx.attempt() < 3) {
        throw new IllegalStateException("flaky");
      }
      ctx.publish(new Continued(event.id()));
    });
    List<EventMetadata> continued = new CopyOnWriteArrayList<>();
    bus.subscribe(Continued.class).group("second").retry(RetryPolicy.none()).handle((event, ctx) -> {
      continued.add(ctx.metadata());
      throw new IllegalStateException("permanent");
    });

    ambient.set(TRACE);
    bus.publish(new Started("s-1")).join();
    ambient.set(null);
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(startedAttempts).containsExactly(Optional.of(TRACE), Optional.of(TRACE), Optional.of(TRACE));
    assertThat(continued).singleElement().satisfies(metadata -> {
      assertThat(metadata.traceparent()).contains(TRACE);
      assertThat(metadata.headers()).containsExactly(Map.entry("traceparent", TRACE));
    });
    assertThat(header(transport.records("trace.started").get(0), "ce_traceparent")).isEqualTo(TRACE);
    assertThat(transport.records("trace.started").get(0).headers()).doesNotContainKey("traceparent");
    TransportRecord dead = transport.records("trace.continued.second.dlt").get(0);
    assertThat(header(dead, "ce_traceparent")).isEqualTo(TRACE);
    assertThat(deadLetters).singleElement().satisfies(letter -> {
      assertThat(letter.metadata().traceparent()).contains(TRACE);
      assertThat(DeadLetter.from(dead.key(), dead.value(), dead.headers()).metadata().traceparent()).contains(TRACE);
    });
  }

  @Test
  void theHandlersAmbientTraceWinsOverTheIncomingOneAndAnExplicitHeaderWinsOverBoth() {
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    bus.subscribe(Started.class).group("relay").handle((event, ctx) -> {
      ambient.set(OTHER); // as a tracing binding would, with a consumer span of its own
      try {
        ctx.publish(new Continued(event.id()));
      } finally {
        ambient.set(null);
      }
    });
    bus.subscribe(Continued.class).group("sink").startFrom(StartPosition.EARLIEST)
        .handle((event, ctx) -> seen.add(ctx.metadata().traceparent()));

    bus.publish(new Started("s-2"), PublishOptions.key("s-2").header("traceparent", TRACE)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(header(transport.records("trace.started").get(0), "ce_traceparent")).isEqualTo(TRACE);
    assertThat(seen).containsExactly(Optional.of(OTHER));
  }

  @Test
  void aPlainTraceparentHeaderFromOtherProducersIsReadAndAMalformedOneIsDropped() {
    List<EventMetadata> seen = new CopyOnWriteArrayList<>();
    bus.subscribe(Started.class).group("reader").handle((event, ctx) -> seen.add(ctx.metadata()));
    send("{\"id\":\"plain\"}", Map.of("traceparent", TRACE));
    send("{\"id\":\"malformed\"}", Map.of("ce_traceparent", "00-not-a-trace-01"));
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(seen).hasSize(2);
    assertThat(seen.get(0).traceparent()).contains(TRACE);
    assertThat(seen.get(1).traceparent()).isEmpty();
    assertThat(seen.get(1).headers()).isEmpty();
  }

  @Test
  void anInvalidExplicitTraceparentIsRejectedAtOnce() {
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header("traceparent", "abc"))
        .withMessage("not a valid W3C traceparent: 'abc'");
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header("traceparent",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01")).withMessageContaining("not a valid W3C traceparent");
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header("TraceParent", TRACE))
        .withMessage("trace context header names are lower case: 'traceparent', not 'TraceParent'");
  }

  private void send(String json, Map<String, String> extra) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("ce_specversion", "1.0".getBytes(UTF_8));
    headers.put("ce_id", ("id-" + json.hashCode()).getBytes(UTF_8));
    headers.put("ce_source", "elsewhere".getBytes(UTF_8));
    headers.put("ce_type", "trace.started".getBytes(UTF_8));
    headers.put("ce_time", "2026-01-01T00:00:00Z".getBytes(UTF_8));
    extra.forEach((name, value) -> headers.put(name, value.getBytes(UTF_8)));
    transport.send(new OutgoingRecord("trace.started", "k", json.getBytes(UTF_8), headers)).join();
  }

  private static String header(TransportRecord record, String name) {
    return new String(record.headers().get(name), UTF_8);
  }
}
