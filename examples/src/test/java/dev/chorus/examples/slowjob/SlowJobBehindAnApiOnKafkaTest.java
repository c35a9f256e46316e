package dev.chorus.examples.slowjob;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.DeadLetter;
import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import dev.chorus.testkit.TestEventBus;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The slow job behind an API on the embedded Kafka broker, dead-letter topic included. */
@ExtendWith(EmbeddedKafkaExtension.class)
class SlowJobBehindAnApiOnKafkaTest {

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 6);

  SlowJobBehindAnApiOnKafkaTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @Test
  void acceptsAtOnceRetriesTheRateLimitedCallWithBackoffAndDeadLettersThePermanentFailure() throws Exception {
    VirtualClock clock = VirtualClock.autoAdvancing();
    RecordingBuses buses = new RecordingBuses(clock);
    SlowJobBehindAnApi.Result result;
    try (Environment env = Environment.kafka(kafka.bootstrapServers(), run, clock).buildBusesWith(buses)) {
      result = SlowJobBehindAnApi.run(env, new Output().stream());
    }

    String worker = "machine-worker-" + run;
    assertThat(result.accepted()).extracting(SlowJobBehindAnApi.Accepted::status).containsExactly(202, 202, 202);
    assertThat(result.finished()).extracting(JobView::status)
        .containsExactly(JobStatus.DONE, JobStatus.FAILED, JobStatus.DONE);
    assertThat(result.finished()).extracting(JobView::history).containsOnly(
        List.of(JobStatus.PENDING, JobStatus.RUNNING, JobStatus.DONE),
        List.of(JobStatus.PENDING, JobStatus.RUNNING, JobStatus.FAILED));
    TestEventBus workerBus = buses.of("machine-worker");
    assertThat(workerBus).retries(worker).retriedWithDelays(Duration.ofMillis(500), Duration.ofMillis(1000));
    assertThat(workerBus).deadLetters(worker).singleElement()
        .hasReason(DeadLetter.Reason.NON_RETRYABLE)
        .hasAttempts(1)
        .hasMessage("404 Not Found: the fleet has no machine press-9")
        .hasKey("job-2");
    assertThat(result.deadLetterTopic()).isEqualTo("jobs.requests." + worker + ".dlt");
    assertThat(result.deadLetters()).as("read back from Kafka").containsExactlyElementsOf(workerBus.deadLetters());
    assertThat(result.alarms()).extracting(AlarmCreated::machineId).containsExactly("lathe-2", "press-7");
    buses.haveNoUnassertedFailures();
  }
}
