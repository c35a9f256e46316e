package dev.chorus.spi;

import dev.chorus.PublishException;

/**
 * A record that a transport refused because of its size, and will refuse however often it is
 * sent again (Kafka: larger than the producer's {@code max.request.size} or the topic's
 * {@code max.message.bytes}). A transport completes a send with it, rather than with a plain
 * {@link PublishException}, so that the engine can write a smaller dead letter instead of
 * retrying one that can never fit.
 */
public class RecordTooLargeException extends PublishException {

  /**
   * Creates the exception.
   *
   * @param message what was refused and which limit it exceeds
   * @param topic the topic the record was meant for
   * @param cause the transport's own exception, or {@code null}
   */
  public RecordTooLargeException(String message, String topic, Throwable cause) {
    super(message, null, topic, cause);
  }
}
