package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import dev.chorus.EventBusListener;
import dev.chorus.EventMetadata;
import dev.chorus.PublishException;
import dev.chorus.PublishReceipt;
import dev.chorus.VirtualClock;
import dev.chorus.testkit.TestEventBus.FailedPublish;
import dev.chorus.testkit.TestEventBus.HandlingAttempt;
import dev.chorus.testkit.TestEventBus.PublishedEvent;
import dev.chorus.testkit.TestEventBus.ScheduledRetry;
import dev.chorus.testkit.TestEventBus.SkippedRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Everything a {@link TestEventBus} observed: the events it published (with their metadata),
 * every handler attempt and its outcome, retries, dead letters, discards, stopped
 * subscriptions, publish failures and skips. It is the bus's {@link EventBusListener} and is
 * also fed by the wrappers around handlers, contexts and publishes.
 *
 * <p>Thread-safe: one lock (this object) guards all state; listener and handler threads record,
 * test threads read snapshots. Every change wakes the threads waiting in {@link #await}.
 */
final class Recording implements EventBusListener {

  /** How a recorded failure ended. */
  enum Kind {
    DEAD_LETTERED("dead-lettered"),
    DISCARDED("discarded"),
    SUBSCRIPTION_FAILED("stopped its subscription"),
    PUBLISH_FAILED("publish failed");

    final String text;

    Kind(String text) {
      this.text = text;
    }
  }

  /** Where one event stands in one group. */
  enum Status {
    IN_PROGRESS, WAITING_FOR_RETRY, HANDLED, DEAD_LETTERED, DISCARDED, SUBSCRIPTION_FAILED
  }

  /** One publish through the bus or a handler's context, from the call to its outcome. */
  static final class Publish {
    final long seq;
    final Object event;
    final String group;
    EventMetadata metadata;
    PublishReceipt receipt;
    String topic;
    Throwable failure;
    boolean done;
    CompletableFuture<PublishReceipt> sent;

    Publish(long seq, Object event, String group) {
      this.seq = seq;
      this.event = event;
      this.group = group;
    }
  }

  /** One call of a handler. */
  static final class Attempt {
    final long seq;
    final Track track;
    final Object event;
    final EventMetadata metadata;
    final int number;
    HandlingAttempt.Outcome outcome = HandlingAttempt.Outcome.IN_PROGRESS;
    Throwable thrown;
    Throwable failure;

    Attempt(long seq, Track track, Object event, EventMetadata metadata, int number) {
      this.seq = seq;
      this.track = track;
      this.event = event;
      this.metadata = metadata;
      this.number = number;
    }
  }

  /** A retry the engine scheduled after a failed attempt. */
  static final class Retry {
    final long seq;
    final Track track;
    final int failedAttempt;
    final Duration delay;
    final Throwable cause;
    final Instant due;

    Retry(long seq, Track track, int failedAttempt, Duration delay, Throwable cause, Instant due) {
      this.seq = seq;
      this.track = track;
      this.failedAttempt = failedAttempt;
      this.delay = delay;
      this.cause = cause;
      this.due = due;
    }
  }

  /** A failure that a test must look at: a dead letter, discard, stopped subscription or failed publish. */
  static final class Failure {
    final long seq;
    final Kind kind;
    final DeadLetter deadLetter;
    final String topic;
    final Publish publish;
    final Track track;
    boolean seen;

    Failure(long seq, Kind kind, DeadLetter deadLetter, String topic, Publish publish, Track track) {
      this.seq = seq;
      this.kind = kind;
      this.deadLetter = deadLetter;
      this.topic = topic;
      this.publish = publish;
      this.track = track;
    }
  }

  /** The story of one event in one group: its attempts, retries and how it ended. */
  static final class Track {
    final String group;
    final String id;
    EventMetadata metadata;
    final List<Attempt> attempts = new ArrayList<>();
    final List<Retry> retries = new ArrayList<>();
    Failure end;
    boolean seen;

    Track(String group, String id, EventMetadata metadata) {
      this.group = group;
      this.id = id;
      this.metadata = metadata;
    }

    Attempt last() {
      return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }

    Object event() {
      Attempt last = last();
      return last == null ? null : last.event;
    }

    Status status() {
      Attempt last = last();
      if (end != null && (last == null || end.seq > last.seq)) {
        return switch (end.kind) {
          case DISCARDED -> Status.DISCARDED;
          case SUBSCRIPTION_FAILED -> Status.SUBSCRIPTION_FAILED;
          default -> Status.DEAD_LETTERED;
        };
      }
      if (last == null) {
        return Status.IN_PROGRESS;
      }
      return switch (last.outcome) {
        case SUCCEEDED -> Status.HANDLED;
        case IN_PROGRESS -> Status.IN_PROGRESS;
        case FAILED -> pendingRetry() != null ? Status.WAITING_FOR_RETRY : Status.IN_PROGRESS;
      };
    }

    /** The retry scheduled after the last attempt, if it has not started yet. */
    Retry pendingRetry() {
      Attempt last = last();
      if (last == null || retries.isEmpty()) {
        return null;
      }
      Retry retry = retries.get(retries.size() - 1);
      return retry.seq > last.seq && (end == null || end.seq < retry.seq) ? retry : null;
    }

    /** Whether the attempts finished so far (with an outcome) number at least {@code count}. */
    int finishedAttempts() {
      int finished = 0;
      for (Attempt attempt : attempts) {
        if (attempt.outcome != HandlingAttempt.Outcome.IN_PROGRESS) {
          finished++;
        }
      }
      return finished;
    }
  }

  private final VirtualClock clock;
  private final List<Publish> publishes = new ArrayList<>();
  private final Map<String, EventMetadata> acknowledged = new HashMap<>();
  private final Map<String, EventMetadata> refused = new HashMap<>();
  private final List<Attempt> attempts = new ArrayList<>();
  private final List<Retry> retries = new ArrayList<>();
  private final List<Failure> failures = new ArrayList<>();
  private final List<SkippedRecord> skips = new ArrayList<>();
  private final Map<String, Track> tracks = new LinkedHashMap<>();
  private final Set<String> groups = new LinkedHashSet<>();
  private long sequence;

  /**
   * @param clock the bus's virtual clock, or null if not known; used to tell which retry timers
   *     are still to fire
   */
  Recording(VirtualClock clock) {
    this.clock = clock;
  }

  // ---------------------------------------------------------------- recording: publishes

  /**
   * Publishes through {@code send} and records the event with the metadata and receipt the bus
   * reported; the returned future completes (as the bus's did) once the record is complete.
   */
  CompletableFuture<PublishReceipt> publish(Object event, String group,
      Supplier<CompletableFuture<PublishReceipt>> send) {
    Publish publish;
    synchronized (this) {
      publish = new Publish(++sequence, event, group);
      publishes.add(publish);
    }
    CompletableFuture<PublishReceipt> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      synchronized (this) {
        publishes.remove(publish); // never reached the bus: the caller sees the exception
        notifyAll();
      }
      throw e;
    }
    synchronized (this) {
      publish.sent = sent;
    }
    CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
    sent.whenComplete((receipt, error) -> {
      synchronized (this) {
        settle(publish);
        notifyAll();
      }
      if (error == null) {
        result.complete(receipt);
      } else {
        result.completeExceptionally(unwrap(error));
      }
    });
    return result;
  }

  /**
   * Records the outcome of a publish whose future has completed. Idempotent. Readers call it
   * too: the engine may act on a completed publish (count a handler attempt as handled) before
   * the callback that records it has run, and a reader must see the publish then.
   */
  private void settle(Publish publish) {
    if (publish.done || publish.sent == null || !publish.sent.isDone()) {
      return;
    }
    publish.done = true;
    if (!publish.sent.isCompletedExceptionally()) {
      PublishReceipt receipt = publish.sent.join();
      publish.metadata = acknowledged.remove(receipt.eventId());
      publish.receipt = receipt;
      publish.topic = receipt.topic();
      return;
    }
    Throwable failure = publish.sent.handle((receipt, error) -> unwrap(error)).join();
    if (failure instanceof PublishException publishException && publishException.eventId() != null) {
      publish.metadata = refused.remove(publishException.eventId());
      publish.topic = publishException.topic();
    }
    publish.failure = failure;
    failures.add(new Failure(++sequence, Kind.PUBLISH_FAILED, null, publish.topic, publish, null));
  }

  private void settlePublishes() {
    for (Publish publish : publishes) {
      settle(publish);
    }
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  @Override
  public synchronized void onPublished(EventMetadata metadata, PublishReceipt receipt) {
    acknowledged.put(metadata.id(), metadata);
  }

  @Override
  public synchronized void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
    refused.put(metadata.id(), metadata);
  }

  // ---------------------------------------------------------------- recording: handling

  synchronized void subscribed(String group) {
    groups.add(group);
  }

  /** A handler is about to be called. */
  synchronized Attempt started(String group, Object event, EventMetadata metadata, int number) {
    Track track = track(group, metadata);
    Attempt attempt = new Attempt(++sequence, track, event, metadata, number);
    track.attempts.add(attempt);
    attempts.add(attempt);
    notifyAll();
    return attempt;
  }

  /** The handler threw; the engine reports the outcome through the listener. */
  synchronized void threw(Attempt attempt, Throwable thrown) {
    attempt.thrown = thrown;
  }

  @Override
  public synchronized void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
    Attempt running = running(group, metadata, attempt);
    if (running != null) {
      running.outcome = HandlingAttempt.Outcome.SUCCEEDED;
    }
    notifyAll();
  }

  @Override
  public synchronized void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay,
      Throwable cause) {
    Track track = track(group, metadata);
    Attempt running = running(group, metadata, attempt);
    if (running != null) {
      running.outcome = HandlingAttempt.Outcome.FAILED;
      running.failure = cause;
    }
    Instant due = clock == null ? null : clock.instant().plus(delay);
    Retry retry = new Retry(++sequence, track, attempt, delay, cause, due);
    track.retries.add(retry);
    retries.add(retry);
    notifyAll();
  }

  @Override
  public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
    ended(Kind.DEAD_LETTERED, deadLetter, deadLetterTopic);
  }

  @Override
  public void onDiscarded(DeadLetter deadLetter) {
    ended(Kind.DISCARDED, deadLetter, null);
  }

  @Override
  public void onSubscriptionFailed(DeadLetter deadLetter) {
    ended(Kind.SUBSCRIPTION_FAILED, deadLetter, null);
  }

  private synchronized void ended(Kind kind, DeadLetter deadLetter, String topic) {
    Track track = track(deadLetter.group(), deadLetter.metadata());
    Attempt last = track.last();
    if (last != null && last.outcome == HandlingAttempt.Outcome.IN_PROGRESS) {
      last.outcome = HandlingAttempt.Outcome.FAILED;
      last.failure = last.thrown;
    }
    Failure failure = new Failure(++sequence, kind, deadLetter, topic, null, track);
    track.end = failure;
    failures.add(failure);
    notifyAll();
  }

  @Override
  public synchronized void onSkipped(EventMetadata metadata, String group, String reason) {
    skips.add(new SkippedRecord(group, metadata, reason));
    notifyAll();
  }

  private Track track(String group, EventMetadata metadata) {
    String id = metadata.id() == null ? "?" + (++sequence) : metadata.id();
    Track track = tracks.computeIfAbsent(group + '\u0000' + id, key -> new Track(group, id, metadata));
    if (track.metadata == null) {
      track.metadata = metadata;
    }
    return track;
  }

  private Attempt running(String group, EventMetadata metadata, int number) {
    Track track = tracks.get(group + '\u0000' + metadata.id());
    if (track == null) {
      return null;
    }
    for (int i = track.attempts.size() - 1; i >= 0; i--) {
      Attempt attempt = track.attempts.get(i);
      if (attempt.number == number && attempt.outcome == HandlingAttempt.Outcome.IN_PROGRESS) {
        return attempt;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- waiting

  /** Waits until the condition, evaluated under the lock, holds; false if the deadline passed first. */
  synchronized boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      try {
        // Timers registering on the clock do not notify us: look again at least every 5 ms.
        wait(Math.max(1, Math.min(5, remaining / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Whether every retry that is still to fire on the manual clock has its timer registered.
   * The engine reports a retry just before it sets the timer, so a test that advances the clock
   * right after seeing the retry could move time past a timer that is not there yet.
   */
  synchronized boolean retryTimersSet() {
    if (clock == null || clock.isAutoAdvancing()) {
      return true;
    }
    Instant now = clock.instant();
    int expected = 0;
    for (Track track : tracks.values()) {
      Retry retry = track.pendingRetry();
      if (retry != null && retry.due != null && retry.due.isAfter(now)) {
        expected++;
      }
    }
    return clock.pendingTimers() >= expected;
  }

  /** Whether the event has finished at least this many attempts in the group (under the lock). */
  synchronized boolean finishedAttempts(String group, Object event, int count) {
    for (Track track : tracks.values()) {
      if (track.group.equals(group) && matches(track.event(), event) && track.finishedAttempts() >= count) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- reading

  synchronized Set<String> groups() {
    return Set.copyOf(groups);
  }

  synchronized boolean hasGroup(String group) {
    return groups.contains(group);
  }

  synchronized List<PublishedEvent> published() {
    settlePublishes();
    List<PublishedEvent> result = new ArrayList<>();
    for (Publish publish : publishes) {
      if (publish.done && publish.failure == null && publish.metadata != null) {
        result.add(new PublishedEvent(publish.event, publish.metadata, publish.receipt, publish.group));
      }
    }
    return List.copyOf(result);
  }

  synchronized List<HandlingAttempt> attempts() {
    return attempts.stream().map(Recording::view).toList();
  }

  synchronized List<HandlingAttempt> attempts(String group) {
    return attempts.stream().filter(a -> a.track.group.equals(group)).map(Recording::view).toList();
  }

  synchronized <T> List<T> handled(String group, Class<T> type) {
    List<T> result = new ArrayList<>();
    for (Attempt attempt : attempts) {
      if (attempt.track.group.equals(group) && attempt.outcome == HandlingAttempt.Outcome.SUCCEEDED
          && type.isInstance(attempt.event)) {
        result.add(type.cast(attempt.event));
      }
    }
    return result;
  }

  synchronized List<ScheduledRetry> retries(String group, boolean markSeen) {
    List<ScheduledRetry> result = new ArrayList<>();
    for (Retry retry : retries) {
      if (group == null || retry.track.group.equals(group)) {
        result.add(view(retry));
      }
    }
    if (markSeen) {
      tracks.values().stream().filter(t -> t.group.equals(group)).forEach(t -> t.seen = true);
    }
    return List.copyOf(result);
  }

  /** The dead letters, discards or stops of a group (or of every group if null), marking them seen. */
  synchronized List<DeadLetter> ended(Kind kind, String group, boolean markSeen) {
    List<DeadLetter> result = new ArrayList<>();
    for (Failure failure : failures) {
      if (failure.kind == kind && (group == null || failure.deadLetter.group().equals(group))) {
        result.add(failure.deadLetter);
        if (markSeen) {
          failure.seen = true;
        }
      }
    }
    return List.copyOf(result);
  }

  synchronized List<FailedPublish> publishFailures(boolean markSeen) {
    settlePublishes();
    List<FailedPublish> result = new ArrayList<>();
    for (Failure failure : failures) {
      if (failure.kind == Kind.PUBLISH_FAILED) {
        Publish publish = failure.publish;
        result.add(new FailedPublish(publish.event, publish.metadata, publish.topic, publish.failure));
        if (markSeen) {
          failure.seen = true;
        }
      }
    }
    return List.copyOf(result);
  }

  synchronized List<SkippedRecord> skipped(String group) {
    return skips.stream().filter(s -> group == null || s.group().equals(group)).toList();
  }

  /** The tracks of a group whose event equals {@code event} (or is the very object published). */
  synchronized List<Track> tracks(String group, Object event) {
    settlePublishes();
    Set<String> publishedIds = new LinkedHashSet<>();
    for (Publish publish : publishes) {
      if (publish.metadata != null && (publish.event == event || Objects.equals(publish.event, event))) {
        publishedIds.add(publish.metadata.id());
      }
    }
    List<Track> result = new ArrayList<>();
    for (Track track : tracks.values()) {
      if (track.group.equals(group) && (matches(track.event(), event) || publishedIds.contains(track.id))) {
        result.add(track);
      }
    }
    return result;
  }

  /** Marks a track's failures as looked at. */
  synchronized void seen(Track track) {
    track.seen = true;
    if (track.end != null) {
      track.end.seen = true;
    }
  }

  /** A snapshot of one track, for assertions. */
  synchronized Handling handling(Track track) {
    Attempt last = track.last();
    return new Handling(track.group, track.event(), track.metadata,
        track.attempts.stream().map(Recording::view).toList(),
        track.retries.stream().map(Recording::view).toList(),
        track.status(), track.end == null ? null : track.end.deadLetter,
        last != null && last.outcome == HandlingAttempt.Outcome.IN_PROGRESS);
  }

  /**
   * Every event the bus published or handled whose object equals {@code event}, by id: the
   * metadata of each distinct event that matches.
   */
  synchronized Map<String, EventMetadata> metadataOf(Object event) {
    settlePublishes();
    Map<String, EventMetadata> found = new LinkedHashMap<>();
    for (Publish publish : publishes) {
      if (publish.metadata != null && (publish.event == event || Objects.equals(publish.event, event))) {
        found.putIfAbsent(publish.metadata.id(), publish.metadata);
      }
    }
    for (Attempt attempt : attempts) {
      if (matches(attempt.event, event) && attempt.metadata.id() != null) {
        found.putIfAbsent(attempt.metadata.id(), attempt.metadata);
      }
    }
    return found;
  }

  /** The event object published or handled under this id, or null. */
  synchronized Object eventWithId(String id) {
    settlePublishes();
    if (id == null) {
      return null;
    }
    for (Publish publish : publishes) {
      if (publish.metadata != null && id.equals(publish.metadata.id())) {
        return publish.event;
      }
    }
    for (Attempt attempt : attempts) {
      if (id.equals(attempt.metadata.id())) {
        return attempt.event;
      }
    }
    return null;
  }

  /** Failures nobody looked at: dead letters, discards, stops, publish failures, retries left pending. */
  synchronized List<String> unasserted() {
    settlePublishes();
    List<String> result = new ArrayList<>();
    for (Failure failure : failures) {
      if (!failure.seen) {
        result.add(describe(failure));
      }
    }
    for (Track track : tracks.values()) {
      if (!track.seen && track.status() == Status.WAITING_FOR_RETRY) {
        Attempt last = track.last();
        result.add("waiting for a retry in group " + track.group + ": " + eventText(track.event(), track.metadata)
            + ", attempt " + last.number + " failed: " + Texts.exception(last.failure));
      }
    }
    return result;
  }

  /** Every failure recorded, looked at or not. */
  synchronized List<String> allFailures() {
    settlePublishes();
    List<String> result = new ArrayList<>();
    for (Failure failure : failures) {
      result.add(describe(failure));
    }
    for (Track track : tracks.values()) {
      if (track.status() == Status.WAITING_FOR_RETRY) {
        Attempt last = track.last();
        result.add("waiting for a retry in group " + track.group + ": " + eventText(track.event(), track.metadata)
            + ", attempt " + last.number + " failed: " + Texts.exception(last.failure));
      }
    }
    return result;
  }

  private String describe(Failure failure) {
    if (failure.kind == Kind.PUBLISH_FAILED) {
      Publish publish = failure.publish;
      return "publish failed" + (publish.group == null ? "" : " in a handler of group " + publish.group) + ": "
          + eventText(publish.event, publish.metadata) + (publish.topic == null ? "" : " to topic " + publish.topic)
          + ": " + Texts.exception(Texts.publishCause(publish.failure));
    }
    DeadLetter letter = failure.deadLetter;
    Object event = failure.track == null ? null : failure.track.event();
    return failure.kind.text + " in group " + letter.group() + ": " + eventText(event, letter.metadata()) + ", "
        + Texts.failure(letter);
  }

  private static String eventText(Object event, EventMetadata metadata) {
    String type = metadata == null ? null : metadata.type();
    String key = metadata == null ? null : metadata.key();
    String details = "(type " + type + ", key " + key + ")";
    return event == null ? "an event " + details : event + " " + details;
  }

  // ---------------------------------------------------------------- the state, for failure messages

  /** What the bus recorded, one section a line, each line indented by two spaces. */
  synchronized String describe() {
    settlePublishes();
    StringBuilder text = new StringBuilder();
    text.append("\n  published: ").append(Texts.list(publishes.stream()
        .filter(p -> p.done && p.failure == null).map(p -> String.valueOf(p.event)).toList()));
    text.append("\n  handled by group: ").append(byGroup(attempts, a -> a.outcome == HandlingAttempt.Outcome.SUCCEEDED,
        a -> a.track.group, a -> String.valueOf(a.event)));
    text.append("\n  retries by group: ").append(byGroup(retries, r -> true, r -> r.track.group,
        r -> r.track.event() + ": attempt " + r.failedAttempt + " failed (" + Texts.exception(r.cause)
            + "), retry after " + Texts.duration(r.delay)));
    text.append("\n  dead letters by group: ").append(endedByGroup(Kind.DEAD_LETTERED));
    for (Kind kind : List.of(Kind.DISCARDED, Kind.SUBSCRIPTION_FAILED)) {
      if (failures.stream().anyMatch(f -> f.kind == kind)) {
        text.append(kind == Kind.DISCARDED ? "\n  discarded by group: " : "\n  subscription failures by group: ")
            .append(endedByGroup(kind));
      }
    }
    List<String> failedPublishes = failures.stream().filter(f -> f.kind == Kind.PUBLISH_FAILED)
        .map(f -> f.publish.event + " (" + Texts.exception(Texts.publishCause(f.publish.failure)) + ")").toList();
    if (!failedPublishes.isEmpty()) {
      text.append("\n  publish failures: ").append(Texts.list(failedPublishes));
    }
    List<String> unfinished = tracks.values().stream()
        .filter(t -> t.status() == Status.IN_PROGRESS || t.status() == Status.WAITING_FOR_RETRY)
        .map(t -> t.group + ": " + t.event() + (t.status() == Status.IN_PROGRESS ? " (in progress)"
            : " (waiting for attempt " + (t.last().number + 1) + ")"))
        .toList();
    if (!unfinished.isEmpty()) {
      text.append("\n  not finished: ").append(Texts.list(unfinished));
    }
    return text.toString();
  }

  private String endedByGroup(Kind kind) {
    return byGroup(failures, f -> f.kind == kind, f -> f.deadLetter.group(),
        f -> (f.track == null || f.track.event() == null ? f.deadLetter.metadata().type() + " key "
            + f.deadLetter.metadata().key() : String.valueOf(f.track.event())) + " " + Texts.failure(f.deadLetter));
  }

  private static <T> String byGroup(List<T> items, Predicate<T> filter, java.util.function.Function<T, String> group,
      java.util.function.Function<T, String> text) {
    Map<String, List<String>> byGroup = new LinkedHashMap<>();
    for (T item : items) {
      if (filter.test(item)) {
        byGroup.computeIfAbsent(group.apply(item), g -> new ArrayList<>()).add(text.apply(item));
      }
    }
    StringBuilder result = new StringBuilder("{");
    byGroup.forEach((name, texts) -> {
      if (result.length() > 1) {
        result.append(", ");
      }
      result.append(name).append('=').append(Texts.list(texts));
    });
    return result.append('}').toString();
  }

  // ---------------------------------------------------------------- views

  private static boolean matches(Object recorded, Object wanted) {
    return recorded != null && (recorded == wanted || recorded.equals(wanted));
  }

  private static HandlingAttempt view(Attempt attempt) {
    return new HandlingAttempt(attempt.track.group, attempt.event, attempt.metadata, attempt.number, attempt.outcome,
        attempt.outcome == HandlingAttempt.Outcome.FAILED ? attempt.failure : null);
  }

  private static ScheduledRetry view(Retry retry) {
    return new ScheduledRetry(retry.track.group, retry.track.event(), retry.track.metadata, retry.failedAttempt,
        retry.delay, retry.cause);
  }

  /**
   * A snapshot of one event's handling in one group.
   *
   * @param group the group
   * @param event the event object, or null if the handler never ran
   * @param metadata its metadata
   * @param attempts every attempt so far
   * @param retries every retry scheduled so far
   * @param status where it stands
   * @param deadLetter the dead letter, discard or stop that ended it, or null
   * @param running whether an attempt is running now
   */
  record Handling(String group, Object event, EventMetadata metadata, List<HandlingAttempt> attempts,
      List<ScheduledRetry> retries, Status status, DeadLetter deadLetter, boolean running) {}
}
