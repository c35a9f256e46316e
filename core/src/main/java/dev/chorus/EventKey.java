package dev.chorus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the record component, field or no-argument method whose value is an event's ordering
 * key. Events of one key on one topic are handled in publish order.
 *
 * <p>The key is converted with {@link String#valueOf(Object)}; a {@code null} value means the
 * event has no key and no ordering promise. {@link PublishOptions#key(String)} overrides it.
 * At most one member of a class may carry this annotation.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD})
public @interface EventKey {}
