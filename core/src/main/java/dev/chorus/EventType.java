package dev.chorus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The logical name of an event type on the wire, and the topic its events are published to.
 *
 * <p>The name is stable across class renames and is the only thing a consumer uses to
 * recognise an event: Chorus never loads a class from a name read off the wire. Without this
 * annotation an event class is known by its simple name and published to a topic of that name.
 *
 * <pre>{@code
 * @EventType(value = "payments.payment-validated", topic = "payments")
 * public record PaymentValidated(@EventKey String paymentId, String orderId, long amountCents) {}
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {

  /**
   * The type name written to the {@code ce_type} header, for example
   * {@code "payments.payment-validated"}.
   *
   * @return the logical type name; never blank
   */
  String value();

  /**
   * The topic events of this type are published to; empty means the type name.
   * Topic names use the characters Kafka allows: letters, digits, {@code .}, {@code _} and
   * {@code -}, at most 249 of them.
   *
   * @return the topic name, or empty for the type name
   */
  String topic() default "";

  /**
   * The schema version of this type, starting at 1. It is recorded in the type registry for
   * schema evolution tooling; consumers currently match on the type name alone.
   *
   * @return the version, at least 1
   */
  int version() default 1;
}
