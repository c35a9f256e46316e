package dev.chorus.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * {@code ce_time} as text, without {@link java.time.format.DateTimeFormatter}: the JDK's
 * {@link Instant#parse} builds a formatter and a map of fields per call, which made it a fifth
 * of all consume CPU. Only the form {@link Instant#toString()} writes for years 0000 to 9999
 * ({@code 2026-11-23T09:49:02.123456Z}: upper-case {@code T} and {@code Z}, seconds always, 0 to
 * 9 fraction digits after a dot) is handled here; anything else (an offset, lower case, a leap
 * second, {@code 24:00}, a six-digit year, an out-of-range field) goes to the JDK, so what is
 * accepted and what is rejected is exactly what {@link Instant#parse} accepts and rejects, and
 * what is written is exactly {@link Instant#toString()}. Stateless and thread-safe.
 */
final class IsoInstant {

  private static final long MIN_FAST_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
  private static final long MAX_FAST_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z
  private static final int SHORTEST = "0000-00-00T00:00:00Z".length();
  private static final int DAYS_0000_TO_1970 = 719_528;

  private IsoInstant() {}

  /**
   * Parses an instant as {@link Instant#parse} does.
   *
   * @throws DateTimeParseException if {@link Instant#parse} would throw it
   */
  static Instant parse(CharSequence text) {
    Instant fast = parseFast(text);
    return fast != null ? fast : Instant.parse(text);
  }

  /**
   * Parses an instant of the common form from its bytes, without decoding them into a string.
   *
   * @return the instant, or null if the bytes are not the ASCII of the common form (then decode
   *     them and call {@link #parse})
   */
  static Instant parseAscii(byte[] text) {
    return parseFast(new Ascii(text));
  }

  /** Bytes read as characters one to one; any byte outside ASCII fails every test of {@link #parseFast}. */
  private static final class Ascii implements CharSequence {
    private final byte[] bytes;

    Ascii(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int length() {
      return bytes.length;
    }

    @Override
    public char charAt(int index) {
      return (char) (bytes[index] & 0xff);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return toString().subSequence(start, end);
    }

    @Override
    public String toString() {
      return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  /** The instant of the common form, or null if the text is not in it (then the JDK decides). */
  private static Instant parseFast(CharSequence text) {
    int length = text.length();
    if (length < SHORTEST || length > SHORTEST + 10 || text.charAt(length - 1) != 'Z'
        || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      return null;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > monthLength(year, month) || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    int nanos = 0;
    if (length > SHORTEST) {
      int fraction = length - SHORTEST - 1; // digits between the dot and the Z
      if (text.charAt(19) != '.' || fraction < 1) {
        return null;
      }
      nanos = digits(text, 20, fraction);
      if (nanos < 0) {
        return null;
      }
      for (int i = fraction; i < 9; i++) {
        nanos *= 10;
      }
    }
    long days = epochDay(year, month, day);
    return Instant.ofEpochSecond(days * 86_400 + hour * 3_600 + minute * 60 + second, nanos);
  }

  /** The decimal value of {@code count} ASCII digits, or -1 if one is not a digit. */
  private static int digits(CharSequence text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      int digit = text.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private static boolean isLeap(int year) {
    return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
  }

  private static int monthLength(int year, int month) {
    return switch (month) {
      case 2 -> isLeap(year) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  /** Days since 1970-01-01 of a date in years 0 to 9999 (the algorithm of {@code LocalDate.toEpochDay}). */
  private static long epochDay(int year, int month, int day) {
    long total = 365L * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    total += (367 * month - 362) / 12;
    total += day - 1;
    if (month > 2) {
      total--;
      if (!isLeap(year)) {
        total--;
      }
    }
    return total - DAYS_0000_TO_1970;
  }

  /** The text of {@link Instant#toString()}. */
  static String format(Instant instant) {
    return new String(formatAscii(instant), StandardCharsets.ISO_8859_1);
  }

  /** {@link #format}, as the bytes of its text (ASCII, hence also UTF-8), without a string between. */
  static byte[] formatAscii(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < MIN_FAST_SECOND || seconds > MAX_FAST_SECOND) {
      return instant.toString().getBytes(StandardCharsets.US_ASCII);
    }
    long days = Math.floorDiv(seconds, 86_400);
    int secondOfDay = Math.floorMod(seconds, 86_400);
    // Civil from days (H. Hinnant), era-based, for the proleptic Gregorian calendar.
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    int dayOfEra = (int) (z - era * 146_097);
    int yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    int mp = (5 * dayOfYear + 2) / 153;
    int day = dayOfYear - (153 * mp + 2) / 5 + 1;
    int month = mp < 10 ? mp + 3 : mp - 9;
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    int nanos = instant.getNano();
    int fraction = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
    byte[] out = new byte[SHORTEST + (fraction == 0 ? 0 : fraction + 1)];
    put(out, 0, year, 4);
    out[4] = '-';
    put(out, 5, month, 2);
    out[7] = '-';
    put(out, 8, day, 2);
    out[10] = 'T';
    put(out, 11, secondOfDay / 3_600, 2);
    out[13] = ':';
    put(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    put(out, 17, secondOfDay % 60, 2);
    int end = 19;
    if (fraction != 0) {
      out[end++] = '.';
      put(out, end, fraction == 3 ? nanos / 1_000_000 : fraction == 6 ? nanos / 1_000 : nanos, fraction);
      end += fraction;
    }
    out[end] = 'Z';
    return out;
  }

  private static void put(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
