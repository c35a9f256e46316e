package dev.chorus.internal;

import dev.chorus.ChorusException;
import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventContext;
import dev.chorus.EventHandler;
import dev.chorus.EventMetadata;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One subscription: a poll thread that owns all delivery state, and a pool of handler threads.
 *
 * <p>The poll thread polls the transport, decides what each record is (skipped, undecodable,
 * or work for a key), hands ready work to the handler threads, and applies their outcomes,
 * which come back through {@link #inbox} (as do retry timers and dead-letter write
 * acknowledgements). Only the thread holding {@link #pollRole} touches that state, so none of
 * it is locked otherwise.
 *
 * <p>With {@code concurrency(1)}, a short batch found while the handler thread is idle runs on
 * the poll thread itself, as a hand-written poll loop would run it: handing it over would cost
 * two thread wake-ups (the handler thread's, then the poll thread's for the outcome), which on
 * a busy machine take longer than the batch. "Short" is up to 100 µs by recent times while polls
 * come back full, two or more in a row (a backlog: handing over lets the next poll overlap with
 * the batch), up to 1 ms
 * when the last poll that returned records came back short of the transport's limit, or was the
 * first full one after such a poll, and nothing else is ready (caught up, or a burst: nothing to
 * overlap with).
 * The poll thread releases the poll role while it runs the batch; should the batch run long (a
 * handler that hangs), the idle handler thread notices within {@link #WATCH} to
 * {@code 2 × WATCH}, takes the role and polls, rebalances and closes in its place until the
 * batch returns.
 */
final class RealSubscription<E> implements Subscription {

  private static final Logger LOG = LoggerFactory.getLogger(RealSubscription.class);
  private static final int MAX_STACK_TRACE = 8 * 1024;
  private static final int MAX_MESSAGE = 8 * 1024;
  private static final int MAX_BUFFERED_PER_PARTITION = 1_000;
  private static final int MAX_BATCH = 128;
  /** Tasks handed to the pool per handler thread: one running, one waiting, so no thread idles while the poll thread is busy. */
  private static final int TASKS_PER_THREAD = 2;
  /** About how long one batch may keep a handler thread busy, judged by recent handler times. */
  private static final long BATCH_NANOS = Duration.ofMillis(20).toNanos();
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(50);
  private static final Duration IDLE_POLL = Duration.ofMillis(200);
  private static final Duration POLL_BACKOFF_MIN = Duration.ofMillis(100);
  private static final Duration POLL_BACKOFF_MAX = Duration.ofSeconds(5);
  private static final Duration MAX_DEAD_LETTER_BACKOFF = Duration.ofSeconds(30);
  /**
   * The longest batch (by recent times per event) that the poll thread runs itself with
   * {@code concurrency(1)} while polls come back full, two or more in a row: a backlog, in which
   * handing the batch over lets the next poll overlap with it.
   */
  private static final long INLINE_NANOS = 100_000;
  /**
   * The same when the last poll that returned records came back short of the transport's
   * {@link TransportConsumer#maxPollRecords}, or was the first full one after a short one, and the
   * batch takes every ready event: the member has caught up (or meets a burst, such as the
   * records that piled up during a GC pause), no next poll waits to overlap with the batch, and a
   * hand-over would only add its two thread wake-ups to every event's latency. Bounded still (by
   * recent times, which one slow batch moves by at most 4 ×), so that a handler that turned slow
   * goes back to the handler thread and the poll thread keeps polling.
   */
  private static final long CAUGHT_UP_INLINE_NANOS = 1_000_000;
  /** How often the idle handler thread of a {@code concurrency(1)} subscription checks on a batch run by the poll thread. */
  private static final Duration WATCH = Duration.ofMillis(100);
  private static final Runnable NOTHING = () -> {};

  private final RealEventBus bus;
  private final String group;
  private final Map<String, EventTypeInfo> types;
  private final Set<String> topics;
  private final RetryPolicy retry;
  private final DeadLetterPolicy deadLetter;
  private final int concurrency;
  private final int maxTasks;
  private final EventHandler<? super E> handler;
  private final TransportConsumer consumer;
  /** The transport's limit on records per poll, or 0 if it gives none. */
  private final int maxPollRecords;
  private final Thread pollThread;
  private final ThreadPoolExecutor workers;
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final Set<Thread> handlerThreads = ConcurrentHashMap.newKeySet();
  /** Whether the poll thread is inside (or about to enter) {@code consumer.poll}: only then does a post wake it. */
  private volatile boolean polling;
  /** Whether a wakeup was sent during the current poll: one is enough. */
  private final AtomicBoolean wakeupSent = new AtomicBoolean();
  /** Attempts that failed on a handler thread and whose outcome the poll thread has not applied yet. */
  private final AtomicInteger unappliedFailures = new AtomicInteger();
  /** Held by whichever thread polls and owns the poll-thread state: the poll thread, or a handler thread in its place. */
  private final ReentrantLock pollRole = new ReentrantLock();
  /** Counts the batches the poll thread ran itself, twice each: odd while one runs. Written by the poll thread only. */
  private volatile long ownBatches;
  /** What {@link #watch} saw last time. */
  private long watchedBatches;
  private final CountDownLatch terminated = new CountDownLatch(1);

  // Poll-thread state.
  private final Map<TopicPartition, PartitionProgress> partitions = new HashMap<>();
  private final KeyedDispatcher dispatcher = new KeyedDispatcher();
  private int inFlight;
  /** Moving average of a successful handler call, in nanoseconds; -1 until the first one. */
  private long handlerNanos = -1;
  /** Moving average of a batch's time on a handler thread per event (decoding included), in nanoseconds; -1 until known. */
  private long eventNanos = -1;
  private Duration pollBackoff = Duration.ZERO;
  /**
   * Polls in a row, up to 2, that returned the transport's limit of records (empty polls do not
   * count either way): 0 caught up, 1 a burst, 2 a backlog, which a new member assumes. See
   * {@link #CAUGHT_UP_INLINE_NANOS}.
   */
  private int fullPolls = 2;
  private long lastCommitNanos;
  private int commitFailures;

  private volatile State state = State.RUNNING;
  private volatile boolean stopping;
  private volatile boolean joined;

  RealSubscription(RealEventBus bus, String group, Map<String, EventTypeInfo> types, RetryPolicy retry,
      DeadLetterPolicy deadLetter, int concurrency, StartPosition start, EventHandler<? super E> handler, int id) {
    this.bus = bus;
    this.group = group;
    this.types = types;
    this.topics = types.values().stream().map(EventTypeInfo::topic).collect(java.util.stream.Collectors.toUnmodifiableSet());
    this.retry = retry;
    this.deadLetter = deadLetter;
    this.concurrency = concurrency;
    this.maxTasks = concurrency * TASKS_PER_THREAD;
    this.handler = handler;
    AtomicInteger workerIds = new AtomicInteger();
    HandoffQueue queue = concurrency == 1 ? new HandoffQueue(this::watch, WATCH.toNanos()) : new HandoffQueue();
    this.workers = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS, queue,
        task -> {
          Thread thread = new Thread(task, "chorus-" + group + "-handler-" + id + "-" + workerIds.incrementAndGet());
          thread.setDaemon(true);
          handlerThreads.add(thread);
          return thread;
        });
    this.consumer = bus.transport().consumer(group, topics, start, new Rebalance());
    this.maxPollRecords = consumer.maxPollRecords();
    this.pollThread = new Thread(this::run, "chorus-" + group + "-poll-" + id);
    pollThread.setDaemon(true);
  }

  void start() {
    pollThread.start();
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public Set<String> topics() {
    return topics;
  }

  @Override
  public State state() {
    return state;
  }

  /** Whether the transport has told this member it joined the group (with or without partitions). */
  boolean joined() {
    return joined;
  }

  Collection<EventTypeInfo> types() {
    return types.values();
  }

  @Override
  public void close() {
    stop();
    awaitStopped();
  }

  /** Asks the poll thread to stop; returns at once. */
  void stop() {
    stopping = true;
    inbox.add(() -> {}); // ends a wait for outcomes, such as the backoff after a failed poll
    consumer.wakeup();
  }

  /** Waits for the subscription to finish stopping, unless called from this subscription's own threads. */
  void awaitStopped() {
    Thread current = Thread.currentThread();
    if (current == pollThread || handlerThreads.contains(current)) {
      return; // closed from its own handler: it stops once that handler returns
    }
    if (pollThread.getState() == Thread.State.NEW) {
      return; // never started
    }
    try {
      terminated.await(bus.shutdownTimeout().plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- poll thread

  private void run() {
    pollRole.lock();
    try {
      // Started now, while the consumer joins the group, not one by one as the first events are
      // handed out: the poll thread would create them in between and hand out nothing meanwhile.
      workers.prestartAllCoreThreads();
      while (!stopping) {
        List<Delivery> own = pollOnce(concurrency == 1);
        if (own != null) {
          if (!runHere(own)) {
            return; // stopped by the handler thread that polled while this one ran the batch
          }
          drainInbox(); // the batch's outcomes
          maybeCommit(false);
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("subscription of group {} to {} stopped by an unexpected error", group, topics, e);
    } finally {
      try {
        if (!terminated()) {
          shutdown();
        }
      } finally {
        pollRole.unlock();
      }
    }
  }

  /**
   * One turn of the poll loop, by the holder of the poll role: polls, sorts what came, applies
   * outcomes, hands out work, commits. Returns a batch for the caller to run itself when
   * {@code mayRunHere} and {@link #dispatch} chose to, else null.
   */
  private List<Delivery> pollOnce(boolean mayRunHere) {
    List<TransportRecord> records;
    wakeupSent.set(false);
    polling = true; // before looking at the inbox: a task posted after that look sees it and wakes the poll
    try {
      // Not waiting while work can be handed out: the poll thread may have just applied the
      // outcomes of a batch it ran itself, which leaves the inbox empty and the next events ready.
      Duration timeout = !inbox.isEmpty() || dispatchable() ? Duration.ZERO
          : uncommitted() ? COMMIT_INTERVAL : IDLE_POLL;
      records = consumer.poll(timeout);
      pollBackoff = Duration.ZERO;
      if (!records.isEmpty()) { // an empty poll may have been cut short by a wakeup
        // With the limit unknown (0) every poll is full: a backlog, as before the limit was known.
        fullPolls = records.size() < maxPollRecords ? 0 : Math.min(2, fullPolls + 1);
      }
    } catch (RuntimeException e) {
      polling = false;
      // A broker outage or a failed rebalance step: keep the subscription, wait, poll again.
      pollBackoff = pollBackoff.isZero() ? POLL_BACKOFF_MIN
          : pollBackoff.multipliedBy(2).compareTo(POLL_BACKOFF_MAX) > 0 ? POLL_BACKOFF_MAX
          : pollBackoff.multipliedBy(2);
      LOG.warn("group {}: polling {} failed; polling again in {}", group, topics, pollBackoff, e);
      awaitTask(System.nanoTime() + pollBackoff.toNanos());
      records = List.of();
    } finally {
      polling = false;
    }
    PartitionProgress progress = null;
    for (TransportRecord record : records) {
      // Records come in runs of one partition: looked up once a run, not once a record.
      if (progress == null || progress.partition.partition() != record.partition()
          || !progress.partition.topic().equals(record.topic())) {
        progress = partitions.get(record.topicPartition());
      }
      if (progress != null) { // else not ours (any more); the owner will read it
        accept(record, progress);
      }
    }
    drainInbox();
    List<Delivery> own = dispatch(mayRunHere);
    applyBackpressure();
    if (own == null) {
      maybeCommit(false); // else after the batch, which a commit now would hold up by a broker round trip
    }
    return own;
  }

  /**
   * Runs a batch on the poll thread with the poll role released, so that the handler thread
   * can take it if the batch runs long. Returns with the role held again; false if the
   * subscription stopped meanwhile (the handler thread stopped it while this batch ran).
   */
  private boolean runHere(List<Delivery> batch) {
    ownBatches++; // odd: running
    pollRole.unlock();
    try {
      runBatch(batch);
    } catch (VirtualMachineError e) {
      // runBatch posted it as the failure of the attempt it hit, as on a handler thread.
      LOG.error("group {}: a handler failed with {}", group, e.toString(), e);
    } finally {
      if (Thread.interrupted()) {
        // A handler thread's pool clears a flag a handler left set before its next task; here it
        // would fail every poll and commit that follows.
        LOG.warn("group {}: a handler returned with its thread's interrupt flag set; cleared", group);
      }
      ownBatches++;
      if (pollRole.isLocked()) {
        post(NOTHING); // a handler thread polls in this one's place: wake it, so that it gives the role back
      }
      pollRole.lock();
    }
    return !terminated();
  }

  /**
   * On the idle handler thread of a {@code concurrency(1)} subscription, each {@link #WATCH}
   * it waited for work: the task of polling in the poll thread's place when the poll thread has
   * been running one batch since the last look, else null.
   */
  private Runnable watch() {
    long batches = ownBatches;
    boolean stuck = ownBatchRunning() && batches == watchedBatches;
    watchedBatches = batches;
    return stuck ? this::pollInstead : null;
  }

  /**
   * On a handler thread: holds the poll role while the poll thread runs a long batch, so that
   * the member keeps polling, takes part in rebalances and stops within the shutdown timeout.
   */
  private void pollInstead() {
    if (!pollRole.tryLock()) {
      return;
    }
    try {
      LOG.debug("group {}: a batch has run on the poll thread for more than {}; polling from {} meanwhile", group,
          WATCH, Thread.currentThread().getName());
      while (!stopping && !terminated() && ownBatchRunning()) {
        pollOnce(false);
      }
    } catch (RuntimeException | Error e) {
      LOG.error("subscription of group {} to {} stopped by an unexpected error", group, topics, e);
      stopping = true;
    } finally {
      try {
        if (stopping && !terminated() && ownBatchRunning()) {
          shutdown(); // the poll thread's handler still runs: stop without it
        }
      } finally {
        pollRole.unlock();
      }
    }
  }

  private void accept(TransportRecord record, PartitionProgress progress) {
    Delivery delivery = new Delivery(record, progress);
    progress.track(delivery);
    String typeName = WireFormat.type(record.headers());
    EventTypeInfo type = typeName == null ? null : types.get(typeName);
    if (typeName != null && type == null) {
      progress.finish(delivery);
      bus.listeners().onSkipped(WireFormat.readLenient(record.key(), record.headers()), group,
          "type '" + typeName + "' is not subscribed");
      return;
    }
    // The rest of the envelope is read on a handler thread, with the payload: this thread only
    // sorts records, and a malformed one fails there, pinned to its record, like bad bytes.
    delivery.type = type;
    dispatcher.enqueue(delivery);
  }

  private void drainInbox() {
    Runnable task;
    while ((task = inbox.poll()) != null) {
      task.run();
    }
  }

  /**
   * Hands a task to the poll thread. A transport wakeup (for Kafka a selector wakeup and a
   * {@code WakeupException}) is sent only while the poll thread is polling, and once per poll:
   * otherwise it drains the inbox anyway before it polls again.
   */
  private void post(Runnable task) {
    inbox.add(task);
    if (polling && !wakeupSent.get() && wakeupSent.compareAndSet(false, true)) {
      consumer.wakeup();
    }
  }

  /**
   * Hands ready events to the handler threads in tasks that each carry a batch of ready events
   * (heads of distinct keys, so their order does not matter), run one after the other, and
   * report their outcomes in one message: two thread hand-offs per batch instead of per event.
   * Up to two tasks per handler thread are handed out, so that a thread finds its next batch
   * waiting while the poll thread is busy (polling, committing). With {@code concurrency(1)} a
   * batch takes what is ready, up to {@value #MAX_BATCH}; with more, ready events are shared out
   * over the task slots so that no thread waits while another holds a long batch (one event per
   * task when few are ready). Either way a batch holds about 20 ms of handler time at most.
   *
   * <p>With {@code concurrency(1)} and {@code mayRunHere}, a batch that recent times put under
   * {@value #INLINE_NANOS} ns ({@value #CAUGHT_UP_INLINE_NANOS} ns when caught up, see
   * {@link #CAUGHT_UP_INLINE_NANOS}) is returned instead of handed out when the handler thread is
   * idle: the caller runs it (see {@link #runHere}).
   */
  private List<Delivery> dispatch(boolean mayRunHere) {
    while (!stopping && dispatchable()) {
      int size = Math.min(MAX_BATCH, concurrency == 1 ? dispatcher.readyCount() : dispatcher.readyCount() / maxTasks);
      // Slow handlers get short batches (one event from about 20 ms up), so that a close or a
      // revoke waits for a few events per thread, not for batches; until a handler time is
      // known, one event per task.
      size = handlerNanos < 0 ? 1 : (int) Math.min(size, BATCH_NANOS / Math.max(1, handlerNanos));
      size = Math.max(1, size);
      List<Delivery> batch = new ArrayList<>(size);
      Delivery delivery;
      while (batch.size() < size && (delivery = dispatcher.next()) != null) {
        batch.add(delivery);
      }
      if (mayRunHere && inFlight == 0 && eventNanos >= 0 && batch.size() * eventNanos <= inlineNanos()) {
        begin(batch);
        return batch; // nothing else may start while it runs: concurrency(1)
      }
      start(batch);
    }
    return null;
  }

  /** The longest batch, by recent times, that the poll thread runs itself now. */
  private long inlineNanos() {
    // Caught up or a burst, and nothing else ready behind this batch (as there is while partitions are paused).
    return fullPolls < 2 && dispatcher.readyCount() == 0 ? CAUGHT_UP_INLINE_NANOS : INLINE_NANOS;
  }

  private boolean dispatchable() {
    return startable() && dispatcher.readyCount() > 0;
  }

  /**
   * Whether another batch may start: not while a failure waits to be applied, nor while the poll
   * thread runs a batch itself (then with {@code concurrency(1)} the handler thread, polling in
   * its place, is the only other thread, and a batch queued to it would run beside the poll
   * thread's, or after a stop that gave up on that one).
   */
  private boolean startable() {
    return unappliedFailures.get() == 0 && inFlight < maxTasks && !ownBatchRunning();
  }

  /** Whether the poll thread is running a batch itself. */
  private boolean ownBatchRunning() {
    return (ownBatches & 1) == 1;
  }

  /** Whether the subscription has finished stopping. */
  private boolean terminated() {
    return terminated.getCount() == 0;
  }

  private void start(List<Delivery> batch) {
    begin(batch);
    workers.execute(() -> runBatch(batch));
  }

  private void begin(List<Delivery> batch) {
    inFlight++;
    for (Delivery delivery : batch) {
      delivery.progress.inFlight++;
      delivery.progress.touch(delivery);
    }
  }

  /**
   * On a handler thread: runs each event of the batch, then posts their outcomes at once. After
   * an attempt failed, nothing more runs (here or in a batch that was waiting) until the poll
   * thread has applied that failure, which is posted at once, apart from the outcomes that still
   * wait for the acknowledgement of follow-up events: a stopSubscription policy must stop right
   * there.
   */
  private void runBatch(List<Delivery> batch) {
    long began = System.nanoTime();
    List<CompletableFuture<Runnable>> outcomes = new ArrayList<>(batch.size());
    List<Runnable> now = new ArrayList<>(0);
    boolean failed = false;
    int i = 0;
    try {
      for (; i < batch.size(); i++) {
        if (unappliedFailures.get() > 0 || state == State.FAILED || terminated()) {
          break; // a failure is being applied, or it (or a close) stopped the subscription: this batch waited too long
        }
        Delivery delivery = batch.get(i);
        CompletableFuture<Runnable> outcome = attempt(delivery);
        if (delivery.failedNow) {
          failed = true;
          unappliedFailures.incrementAndGet();
          now.add(outcome.join()); // a synchronous failure: completed
          i++;
          break;
        }
        outcomes.add(outcome);
      }
    } catch (VirtualMachineError e) {
      // The attempt that hit it failed; the rest of the batch did not run and is ready again.
      Delivery hit = batch.get(i);
      int attempt = hit.attempt;
      failed = true;
      unappliedFailures.incrementAndGet();
      now.add(() -> onFailure(hit, attempt, e));
      i++;
      throw e;
    } finally {
      for (Delivery notRun : batch.subList(i, batch.size())) {
        now.add(() -> {
          released(notRun);
          if (!notRun.cancelled) {
            dispatcher.retry(notRun);
          }
        });
      }
      if (!now.isEmpty()) {
        boolean failure = failed;
        post(() -> {
          try {
            now.forEach(Runnable::run);
          } finally {
            if (failure) {
              unappliedFailures.decrementAndGet();
            }
          }
        });
      }
      long perEvent = i == 0 ? -1 : (System.nanoTime() - began) / i;
      Runnable apply = () -> {
        inFlight--;
        if (perEvent >= 0) {
          // One sample counts for at most 4 × the average (or 10 µs): a GC pause or a descheduled
          // thread in one batch would otherwise send the next several batches to the handler thread.
          eventNanos = eventNanos < 0 ? perEvent
              : (eventNanos * 7 + Math.min(perEvent, Math.max(4 * eventNanos, 10_000))) / 8;
        }
        for (CompletableFuture<Runnable> outcome : outcomes) {
          outcome.join().run();
        }
      };
      if (outcomes.stream().allMatch(CompletableFuture::isDone)) {
        post(apply); // the common case: no follow-up event to wait for
      } else {
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> post(apply));
      }
    }
  }

  /**
   * Starts only the events that keep a stopping partition from committing what was already
   * handled: those at or below the highest offset whose work began. Handling them before
   * the final commit is what lets a clean close or a revoke redeliver nothing that was handled.
   */
  private void dispatchHoles(Collection<PartitionProgress> which) {
    Delivery delivery;
    while (startable() && (delivery = dispatcher.next(hole(which))) != null) {
      start(List.of(delivery));
    }
  }

  private static java.util.function.Predicate<Delivery> hole(Collection<PartitionProgress> which) {
    return delivery -> which.contains(delivery.progress) && delivery.record.offset() <= delivery.progress.touched();
  }

  private void applyBackpressure() {
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    for (PartitionProgress progress : partitions.values()) {
      if (!progress.paused && progress.buffered() >= MAX_BUFFERED_PER_PARTITION) {
        progress.paused = true;
        pause.add(progress.partition);
      } else if (progress.paused && progress.buffered() <= MAX_BUFFERED_PER_PARTITION / 2) {
        progress.paused = false;
        resume.add(progress.partition);
      }
    }
    if (!pause.isEmpty()) {
      consumer.pause(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  private boolean uncommitted() {
    for (PartitionProgress progress : partitions.values()) {
      if (progress.committable() != progress.committed) {
        return true;
      }
    }
    return false;
  }

  /** Commits where positions moved: at once when nothing is pending, else at most every 50 ms. */
  private void maybeCommit(boolean force) {
    boolean idle = inFlight == 0 && dispatcher.isEmpty();
    if (!force && !idle && System.nanoTime() - lastCommitNanos < COMMIT_INTERVAL.toNanos()) {
      return;
    }
    commit(partitions.values());
  }

  private void commit(Collection<PartitionProgress> which) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (PartitionProgress progress : which) {
      long position = progress.committable();
      if (position != progress.committed) {
        offsets.put(progress.partition, position);
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commit(offsets);
      for (PartitionProgress progress : which) {
        Long committed = offsets.get(progress.partition);
        if (committed != null) {
          progress.committed = committed;
        }
      }
      lastCommitNanos = System.nanoTime();
      bus.progressed();
    } catch (RuntimeException e) {
      // Typically a rebalance in progress: the next polls complete it and the commit is retried.
      // Log the first failure of a streak in full, the rest briefly.
      if (commitFailures++ == 0) {
        LOG.warn("group {} could not commit {}; will try again", group, offsets, e);
      } else {
        LOG.debug("group {} could not commit {} ({} failures in a row): {}", group, offsets, commitFailures,
            e.toString());
      }
      return;
    }
    if (commitFailures > 0) {
      LOG.info("group {} commits again after {} failed attempt(s)", group, commitFailures);
      commitFailures = 0;
    }
  }

  // ---------------------------------------------------------------- handler threads

  /**
   * Runs one attempt on the calling handler thread. The returned future completes (never
   * exceptionally) with the outcome to apply on the poll thread, once the events the handler
   * published through its context were accepted or refused.
   */
  private CompletableFuture<Runnable> attempt(Delivery delivery) {
    int attempt = delivery.attempt;
    EventMetadata metadata = delivery.metadata;
    Object event = delivery.event;
    if (event == null) {
      TransportRecord record = delivery.record;
      try {
        if (delivery.type == null) {
          throw new WireFormat.MalformedRecordException("required header " + WireFormat.TYPE
              + " is missing, empty or too long");
        }
        metadata = WireFormat.read(record.key(), record.headers());
        delivery.metadata = metadata;
        event = JsonCodec.shared().decode(record.value(), delivery.type.type());
        delivery.event = event;
      } catch (WireFormat.MalformedRecordException | ChorusException e) {
        if (delivery.metadata == null) {
          delivery.metadata = WireFormat.readLenient(record.key(), record.headers());
        }
        delivery.failedNow = true;
        return CompletableFuture.completedFuture(() -> onUndecodable(delivery, e));
      }
    }
    HandlerContext context = new HandlerContext(bus, metadata, attempt, group);
    MDC.put("chorus.eventId", metadata.id());
    MDC.put("chorus.eventType", metadata.type());
    MDC.put("chorus.correlationId", metadata.correlationId());
    MDC.put("chorus.group", group);
    long start = System.nanoTime();
    Throwable failure = null;
    try {
      invoke(event, context);
    } catch (VirtualMachineError e) {
      throw e; // runBatch reports it as this attempt's failure
    } catch (Throwable e) {
      failure = e;
    } finally {
      MDC.remove("chorus.eventId");
      MDC.remove("chorus.eventType");
      MDC.remove("chorus.correlationId");
      MDC.remove("chorus.group");
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (failure != null) {
      Throwable error = failure;
      delivery.failedNow = true;
      return CompletableFuture.completedFuture(() -> onFailure(delivery, attempt, error));
    }
    delivery.failedNow = false;
    if (!context.published()) {
      return CompletableFuture.completedFuture(() -> onSuccess(delivery, attempt, took));
    }
    return context.publishesDone().handle((ignored, publishError) -> {
      Throwable failedPublish = context.publishFailure();
      if (failedPublish != null) {
        return () -> onFailure(delivery, attempt, new ChorusException(
            "a follow-up event published by the handler was not accepted: " + failedPublish.getMessage(),
            failedPublish));
      }
      return () -> onSuccess(delivery, attempt, took);
    });
  }

  @SuppressWarnings("unchecked")
  private void invoke(Object event, EventContext context) throws Exception {
    ((EventHandler<Object>) handler).handle(event, context);
  }

  // ---------------------------------------------------------------- outcomes (poll thread)

  private void onSuccess(Delivery delivery, int attempt, Duration took) {
    long nanos = took.toNanos();
    handlerNanos = handlerNanos < 0 ? nanos : (handlerNanos * 7 + nanos) / 8;
    delivery.handlerCalls++;
    released(delivery);
    if (delivery.cancelled) {
      return;
    }
    bus.listeners().onHandled(delivery.metadata, group, attempt, took);
    finish(delivery);
  }

  private void onFailure(Delivery delivery, int attempt, Throwable error) {
    delivery.handlerCalls++;
    released(delivery);
    if (delivery.cancelled) {
      return;
    }
    Instant now = bus.clock().instant();
    delivery.failed(now, error);
    boolean retryable = retry.isRetryable(error);
    if (retryable && attempt < retry.maxAttempts()) {
      Duration delay = bus.retryDelay(retry, attempt);
      LOG.debug("group {} will retry event {} in {} after attempt {} failed", group, delivery.metadata.id(), delay,
          attempt, error);
      bus.listeners().onRetryScheduled(delivery.metadata, group, attempt, delay, error);
      delivery.attempt = attempt + 1;
      delivery.cancelTimer = bus.timers().schedule(delay, () -> post(() -> retryDue(delivery)));
      return;
    }
    delivery.progress.inFlight++;
    deadLetter(delivery, retryable ? DeadLetter.Reason.HANDLER_FAILED : DeadLetter.Reason.NON_RETRYABLE);
  }

  private void onUndecodable(Delivery delivery, RuntimeException error) {
    released(delivery);
    if (delivery.cancelled) {
      return;
    }
    delivery.failed(bus.clock().instant(), error);
    delivery.progress.inFlight++;
    deadLetter(delivery, DeadLetter.Reason.UNDECODABLE);
  }

  private void released(Delivery delivery) {
    delivery.progress.inFlight--;
  }

  private void retryDue(Delivery delivery) {
    delivery.cancelTimer = null;
    if (!delivery.cancelled) {
      dispatcher.retry(delivery);
    }
  }

  private void finish(Delivery delivery) {
    dispatcher.complete(delivery);
    delivery.progress.finish(delivery);
  }

  /** Applies the dead-letter policy; the caller has counted the delivery as in flight. */
  private void deadLetter(Delivery delivery, DeadLetter.Reason reason) {
    DeadLetter letter = toDeadLetter(delivery, reason);
    switch (deadLetter.action()) {
      case PUBLISH -> writeDeadLetter(delivery, letter, DeadLetterHeaders.Fit.WHOLE, Duration.ofMillis(100));
      case DISCARD -> {
        delivery.progress.inFlight--;
        LOG.warn("group {} discarded event {} of type {} from {}-{}@{} after {} attempt(s): {}", group,
            letter.metadata().id(), letter.metadata().type(), letter.topic(), letter.partition(), letter.offset(),
            letter.failure().attempts(), letter.failure().reason(), delivery.lastError);
        bus.listeners().onDiscarded(letter);
        finish(delivery);
      }
      case STOP -> {
        delivery.progress.inFlight--;
        LOG.error("group {} stopped at event {} of type {} from {}-{}@{} ({}); nothing after it is handled", group,
            letter.metadata().id(), letter.metadata().type(), letter.topic(), letter.partition(), letter.offset(),
            letter.failure().reason(), delivery.lastError);
        // Tell the listeners first: once the state is FAILED, awaitIdle stops waiting for this subscription.
        bus.listeners().onSubscriptionFailed(letter);
        state = State.FAILED;
        stopping = true;
      }
    }
  }

  private void writeDeadLetter(Delivery delivery, DeadLetter letter, DeadLetterHeaders.Fit fit, Duration backoff) {
    String topic = deadLetter.destination(letter.topic(), group);
    OutgoingRecord record = DeadLetterHeaders.toRecord(topic, letter, delivery.record, delivery.lastError, fit);
    bus.transport().send(record).whenComplete((position, error) -> post(() -> {
      DeadLetterHeaders.Fit smaller = error == null ? null : DeadLetterHeaders.smaller(fit, delivery.record, error);
      if (error == null) {
        delivery.progress.inFlight--;
        if (!delivery.cancelled) {
          bus.listeners().onDeadLettered(letter, topic);
          if (delivery.dispatched) {
            finish(delivery);
          } else {
            delivery.progress.finish(delivery);
          }
        }
      } else if (delivery.cancelled || stopping) {
        delivery.progress.inFlight--;
      } else if (smaller != null) {
        // Refused for its size: the same record would be refused for ever, so write less of it now.
        LOG.warn("group {}: the dead letter for event {} is too large for {}; writing it again as {}", group,
            letter.metadata().id(), topic, smaller, error);
        writeDeadLetter(delivery, letter, smaller, backoff);
      } else {
        LOG.warn("group {} could not write a dead letter for event {} to {}; trying again in {}", group,
            letter.metadata().id(), topic, backoff, error);
        Duration next = backoff.multipliedBy(2).compareTo(MAX_DEAD_LETTER_BACKOFF) > 0 ? MAX_DEAD_LETTER_BACKOFF
            : backoff.multipliedBy(2);
        delivery.cancelTimer = bus.timers().schedule(backoff, () -> post(() -> writeDeadLetter(delivery, letter, fit, next)));
      }
    }));
  }

  private DeadLetter toDeadLetter(Delivery delivery, DeadLetter.Reason reason) {
    Throwable error = delivery.lastError;
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    String stackTrace = trace.getBuffer().length() > MAX_STACK_TRACE ? trace.toString().substring(0, MAX_STACK_TRACE)
        : trace.toString();
    // A message may quote the event (a handler's "bad order: " + order): bounded like the trace,
    // so that no dead letter grows with its payload twice over.
    String message = error.getMessage() == null ? "" : error.getMessage().length() > MAX_MESSAGE
        ? error.getMessage().substring(0, MAX_MESSAGE) : error.getMessage();
    TransportRecord record = delivery.record;
    int attempts = reason == DeadLetter.Reason.UNDECODABLE ? 0 : delivery.handlerCalls;
    return new DeadLetter(record.value(), delivery.metadata, group, record.topic(), record.partition(),
        record.offset(), new DeadLetter.Failure(reason, error.getClass().getName(), message, stackTrace, attempts,
            delivery.firstFailure, delivery.lastFailure));
  }

  // ---------------------------------------------------------------- rebalance and shutdown

  private final class Rebalance implements RebalanceListener {
    @Override
    public void onAssigned(Map<TopicPartition, Long> positions) {
      joined = true;
      positions.forEach((partition, position) -> {
        PartitionProgress progress = new PartitionProgress(partition, position);
        partitions.put(partition, progress);
      });
      LOG.debug("group {} was assigned {}", group, positions);
    }

    @Override
    public void onRevoked(Collection<TopicPartition> revoked) {
      List<PartitionProgress> leaving = new ArrayList<>();
      for (TopicPartition partition : revoked) {
        PartitionProgress progress = partitions.get(partition);
        if (progress != null) {
          leaving.add(progress);
        }
      }
      drain(leaving, System.nanoTime() + Math.min(bus.shutdownTimeout().toNanos(), Duration.ofSeconds(30).toNanos()));
      commit(leaving);
      for (PartitionProgress progress : leaving) {
        abandon(progress);
        partitions.remove(progress.partition);
      }
      LOG.debug("group {} gave up {}", group, revoked);
    }
  }

  /**
   * Before a partition is given up: finishes its in-flight work and fills the holes below the
   * highest offset already touched, so the final commit covers everything handled. Bounded by
   * the deadline; what is left is delivered again to the next owner.
   */
  private void drain(Collection<PartitionProgress> which, long deadlineNanos) {
    if (state == State.FAILED) {
      awaitInFlight(which, deadlineNanos); // stopped at a failed event: nothing past it is started
      return;
    }
    while (true) {
      dispatchHoles(which);
      if (which.stream().allMatch(PartitionProgress::drained)) {
        return;
      }
      if (which.stream().allMatch(progress -> progress.inFlight == 0) && !dispatcher.has(hole(which))) {
        // Nothing runs and nothing can start: what is left waits for a retry timer. Waiting for
        // a backoff (or a manual test clock) is not worth holding up a close or a rebalance.
        LOG.info("group {}: events waiting for a retry on {} will be delivered again to the next owner", group,
            which.stream().map(progress -> progress.partition).toList());
        return;
      }
      if (!awaitTask(deadlineNanos)) {
        LOG.warn("group {}: work still unfinished on {} after the timeout; it will be delivered again", group,
            which.stream().map(progress -> progress.partition).toList());
        return;
      }
    }
  }

  /** Applies outcomes until the partitions have no work in flight or the deadline passes. */
  private void awaitInFlight(Collection<PartitionProgress> which, long deadlineNanos) {
    while (which.stream().anyMatch(progress -> progress.inFlight > 0)) {
      if (!awaitTask(deadlineNanos)) {
        LOG.warn("group {}: handlers still running after the timeout; their events will be delivered again", group);
        return;
      }
    }
  }

  /** Runs the next outcome from the inbox; false if the deadline passed first. */
  private boolean awaitTask(long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      return false;
    }
    try {
      Runnable task = inbox.poll(remaining, TimeUnit.NANOSECONDS);
      if (task != null) {
        task.run();
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Drops the queued and waiting work of a partition; it will be read again from the commit. */
  private void abandon(PartitionProgress progress) {
    dispatcher.drop(progress);
    for (Delivery delivery : progress.pending()) {
      delivery.cancelled = true;
      if (delivery.cancelTimer != null) {
        delivery.cancelTimer.run();
        delivery.cancelTimer = null;
      }
    }
  }

  private void shutdown() {
    try {
      drain(List.copyOf(partitions.values()), System.nanoTime() + bus.shutdownTimeout().toNanos());
      commit(partitions.values());
      partitions.values().forEach(this::abandon);
    } catch (RuntimeException e) {
      LOG.warn("group {}: error while stopping", group, e);
    } finally {
      try {
        consumer.close();
      } catch (RuntimeException e) {
        LOG.warn("group {}: error closing the consumer", group, e);
      }
      workers.shutdown();
      if (state != State.FAILED) {
        state = State.CLOSED;
      }
      terminated.countDown();
      bus.progressed();
    }
  }

  @Override
  public String toString() {
    return "Subscription[group=" + group + ", types=" + types.keySet() + ", state=" + state + "]";
  }
}
