package dev.chorus.internal;

import java.util.regex.Pattern;

/** W3C Trace Context values: what a valid {@code traceparent} and {@code tracestate} look like. */
public final class TraceContext {

  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final int MAX_TRACESTATE = 512;

  private TraceContext() {}

  /**
   * Whether a value is a valid W3C {@code traceparent}: version 00 to fe, a trace id and a
   * parent id that are not all zeros.
   *
   * @param value the value, possibly null
   * @return true if valid
   */
  public static boolean isValidTraceparent(String value) {
    return value != null && TRACEPARENT.matcher(value).matches() && !value.startsWith("ff")
        && !value.substring(3, 35).equals("0".repeat(32)) && !value.substring(36, 52).equals("0".repeat(16));
  }

  /**
   * Whether a value is an acceptable {@code tracestate}: printable ASCII, at most 512 characters
   * (the W3C limit).
   *
   * @param value the value, possibly null
   * @return true if acceptable
   */
  public static boolean isValidTracestate(String value) {
    return value != null && value.length() <= MAX_TRACESTATE && value.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }
}
