package dev.chorus.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time this JVM's threads spent, in three groups: the calling thread, the Kafka producers'
 * I/O threads, and every other thread (the embedded broker, GC, JIT). A contender's throughput on
 * two shared cores says little about where its time goes; these say which thread it costs.
 */
record ThreadCpu(long callerNanos, long producerIoNanos, long otherNanos) {

  private static final String PRODUCER_IO = "kafka-producer-network-thread";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The CPU time of every live thread so far, grouped; threads that ended meanwhile are not counted. */
  static ThreadCpu now() {
    long caller = 0;
    long io = 0;
    long other = 0;
    long self = Thread.currentThread().getId();
    for (ThreadInfo thread : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (thread == null) {
        continue;
      }
      long nanos = Math.max(0, THREADS.getThreadCpuTime(thread.getThreadId()));
      if (thread.getThreadId() == self) {
        caller += nanos;
      } else if (thread.getThreadName().startsWith(PRODUCER_IO)) {
        io += nanos;
      } else {
        other += nanos;
      }
    }
    return new ThreadCpu(caller, io, other);
  }

  /** What each group spent between {@code before} and this snapshot. */
  ThreadCpu since(ThreadCpu before) {
    return new ThreadCpu(callerNanos - before.callerNanos, producerIoNanos - before.producerIoNanos,
        otherNanos - before.otherNanos);
  }
}
