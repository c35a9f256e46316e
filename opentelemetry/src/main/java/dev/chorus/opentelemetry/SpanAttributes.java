package dev.chorus.opentelemetry;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The attribute keys Chorus spans carry: the OpenTelemetry messaging semantic conventions as
 * plain keys (no dependency on the incubating semconv artifact), plus Chorus's own.
 */
final class SpanAttributes {

  static final String SYSTEM = "chorus";

  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("messaging.message.conversation_id");
  static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
  static final AttributeKey<String> EXCEPTION_MESSAGE = AttributeKey.stringKey("exception.message");
  static final AttributeKey<String> EXCEPTION_STACKTRACE = AttributeKey.stringKey("exception.stacktrace");

  static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("chorus.event.type");
  static final AttributeKey<String> CAUSATION_ID = AttributeKey.stringKey("chorus.causation_id");
  static final AttributeKey<Long> OFFSET = AttributeKey.longKey("chorus.offset");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("chorus.attempt");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("chorus.outcome");
  static final AttributeKey<Long> RETRY_DELAY_MS = AttributeKey.longKey("chorus.retry.delay_ms");
  static final AttributeKey<String> DEAD_LETTER_REASON = AttributeKey.stringKey("chorus.dead_letter.reason");
  static final AttributeKey<String> DEAD_LETTER_TOPIC = AttributeKey.stringKey("chorus.dead_letter.topic");

  private SpanAttributes() {}
}
