package dev.chorus.examples;

import dev.chorus.DeadLetter;
import dev.chorus.EventBusListener;
import dev.chorus.EventFlow;
import dev.chorus.EventMetadata;
import dev.chorus.PublishReceipt;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Tells what the buses of a scenario do, as it happens, from what their listener hears: who
 * published which event (and because of which other event), who handled it, which attempts failed
 * and when the next one is due, and which events were dead-lettered and why. Nothing it prints is
 * canned: every line comes from a listener call.
 *
 * <p>In {@link Mode#EVERY_EVENT} it prints one line per publication and handling; in
 * {@link Mode#FAILURES_ONLY} it prints only retries and dead letters and counts the rest, for
 * {@link #printCounts()} to summarize. Every line starts with the time since the narrator was
 * created, by the scenario's clock, when the listener heard it.
 *
 * <p>Lines are printed in causal order: an event's publication before its handling, its retries
 * and the events it caused. A transport may hand an event to a consumer before the publisher hears
 * the acknowledgement, so such lines are held back until the publication is printed (which is why
 * the times are not always increasing).
 *
 * <p>Thread-safe: the buses call it from their publishing, producer and poll threads; each line is
 * printed whole.
 */
public final class Narrator implements EventBusListener {

  /** How much the narrator prints. */
  public enum Mode {
    /** A line for every publication, handling, retry and dead letter. */
    EVERY_EVENT,
    /** Lines for retries and dead letters only; publications and handlings are counted. */
    FAILURES_ONLY
  }

  private final PrintStream out;
  private final Clock clock;
  private final Mode mode;
  private final Instant start;
  private final Map<String, String> labels = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> published = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> handled = new ConcurrentHashMap<>();
  /** Events whose publication was printed; guarded by this. */
  private final Set<String> announced = new HashSet<>();
  /** Lines held until the publication of the event they follow is printed, by that event's id; guarded by this. */
  private final Map<String, List<Held>> waiting = new HashMap<>();

  /**
   * A narrator printing to {@code out}.
   *
   * @param out where to print
   * @param clock the scenario's clock, for the elapsed time at the start of each line
   * @param mode how much to print
   */
  public Narrator(PrintStream out, Clock clock, Mode mode) {
    this.out = Objects.requireNonNull(out, "out");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.start = clock.instant();
  }

  @Override
  public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
    labels.put(metadata.id(), label(metadata));
    count(published, metadata.source() + " published " + metadata.type());
    if (mode == Mode.EVERY_EVENT) {
      String elapsed = elapsed();
      String where = "-> " + receipt.topic() + "[" + receipt.partition() + "]@" + receipt.offset();
      // The cause's label is looked up when the line is printed: by then its publication was heard.
      emit(metadata.causationId(), metadata.id(), () -> line(elapsed, metadata.source(), "published", metadata,
          metadata.causationId() == null ? where : where + ", caused by "
              + labels.getOrDefault(metadata.causationId(), "event " + metadata.causationId())));
    }
  }

  @Override
  public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
    emit(metadata.causationId(), null, text(metadata.source(), "PUBLISH FAILED", metadata,
        "to " + topic + ": " + failure.getMessage()));
  }

  @Override
  public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
    count(handled, group + " handled " + metadata.type());
    if (mode == Mode.EVERY_EVENT) {
      emit(metadata.id(), null, text(group, "handled", metadata, attempt == 1 ? "" : "on attempt " + attempt));
    }
  }

  @Override
  public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
    emit(metadata.id(), null, text(group, "failed", metadata, "attempt " + attempt + " threw "
        + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "; next attempt in " + delay.toMillis()
        + " ms"));
  }

  @Override
  public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
    DeadLetter.Failure failure = deadLetter.failure();
    emit(deadLetter.metadata().id(), null, text(deadLetter.group(), "DEAD-LETTER", deadLetter.metadata(),
        "-> " + deadLetterTopic + ": " + failure.reason() + " after " + failure.attempts()
            + (failure.attempts() == 1 ? " attempt (" : " attempts (") + failure.message() + ")"));
  }

  @Override
  public void onDiscarded(DeadLetter deadLetter) {
    emit(deadLetter.metadata().id(), null, text(deadLetter.group(), "DISCARDED", deadLetter.metadata(),
        deadLetter.failure().reason() + ": " + deadLetter.failure().message()));
  }

  @Override
  public void onSubscriptionFailed(DeadLetter deadLetter) {
    emit(deadLetter.metadata().id(), null, text(deadLetter.group(), "STOPPED", deadLetter.metadata(),
        deadLetter.failure().reason() + ": " + deadLetter.failure().message()));
  }

  /**
   * Prints the lines still held back because the publication they follow was never heard (an
   * event published by a service this narrator does not observe). Call it once the scenario has
   * settled.
   */
  public synchronized void flush() {
    waiting.values().stream().flatMap(List::stream).map(held -> held.line().get()).sorted()
        .forEach(out::println);
    waiting.clear();
  }

  /**
   * Prints how many events each service published and each group handled, by type, as counted
   * so far (in every mode).
   */
  public void printCounts() {
    new TreeMap<>(published).forEach((what, count) -> out.printf(Locale.ROOT, "  %,6d x %s%n", count.sum(), what));
    new TreeMap<>(handled).forEach((what, count) -> out.printf(Locale.ROOT, "  %,6d x %s%n", count.sum(), what));
  }

  /**
   * Prints a line of the narrative that does not come from a bus (an HTTP exchange, say), with
   * the same time prefix.
   *
   * @param actor who acted
   * @param text what happened
   */
  public synchronized void say(String actor, String text) {
    out.println(String.format(Locale.ROOT, "  %s  %-24s %s", elapsed(), actor, text));
  }

  /**
   * Prints a flow map as Mermaid text in a Markdown code block, ready to paste into any Markdown
   * viewer that renders Mermaid.
   *
   * @param flow the flow map
   */
  public void printFlowMap(EventFlow flow) {
    out.println();
    out.println("Flow map (Mermaid):");
    out.println("```mermaid");
    out.print(flow.toMermaid());
    out.println("```");
  }

  /**
   * Prints a line unless it must follow the publication of event {@code after} that was not
   * printed yet; then holds it until that publication is printed. A printed publication of
   * {@code announces} releases the lines held for it.
   */
  private synchronized void emit(String after, String announces, Supplier<String> line) {
    if (mode == Mode.EVERY_EVENT && after != null && !announced.contains(after)) {
      waiting.computeIfAbsent(after, id -> new ArrayList<>()).add(new Held(announces, line));
      return;
    }
    out.println(line.get());
    if (announces != null) {
      announced.add(announces);
      List<Held> released = waiting.remove(announces);
      if (released != null) {
        released.forEach(held -> emit(announces, held.announces(), held.line()));
      }
    }
  }

  /** A line whose time is now and whose text is fixed. */
  private Supplier<String> text(String actor, String verb, EventMetadata metadata, String detail) {
    String line = line(elapsed(), actor, verb, metadata, detail);
    return () -> line;
  }

  private static String line(String elapsed, String actor, String verb, EventMetadata metadata, String detail) {
    return String.format(Locale.ROOT, "  %s  %-24s %-11s %-29s %-10s %s", elapsed, actor, verb,
        metadata.type(), metadata.key() == null ? "-" : metadata.key(), detail).stripTrailing();
  }

  private String elapsed() {
    Duration since = Duration.between(start, clock.instant());
    return String.format(Locale.ROOT, "%8s", String.format(Locale.ROOT, "+%.3fs", since.toNanos() / 1e9));
  }

  private static String label(EventMetadata metadata) {
    return metadata.type() + " " + (metadata.key() == null ? "(no key)" : metadata.key());
  }

  private static void count(Map<String, LongAdder> counts, String what) {
    counts.computeIfAbsent(what, ignored -> new LongAdder()).increment();
  }

  /** A line waiting for a publication to be printed; {@code announces} is the event it publishes, if any. */
  private record Held(String announces, Supplier<String> line) {}
}
