package dev.chorus.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Event ids: random (version 4) UUIDs, as {@link UUID#randomUUID()} makes them, but without its
 * {@code SecureRandom}, whose shared lock publishers contend for and which costs more than the
 * rest of the envelope. The 122 random bits come from the calling thread's
 * {@link ThreadLocalRandom}, XORed with a secret drawn once per process from
 * {@link SecureRandom}.
 *
 * <p>Unique: a thread's {@code ThreadLocalRandom} never repeats a value within 2<sup>64</sup>
 * draws, the threads of a process start at unrelated points of its sequence, and the
 * per-process secret makes two processes differ even if their generators were seeded alike
 * (they are seeded from the clocks). Not predictable from the ids seen so far without the
 * secret; an event id is an identity, not a security token, so this is enough.
 */
final class EventIds {

  private static final long VERSION_MASK = 0xFFFFFFFFFFFF0FFFL;
  private static final long VERSION_4 = 0x0000000000004000L;
  private static final long VARIANT_MASK = 0x3FFFFFFFFFFFFFFFL;
  private static final long VARIANT_IETF = 0x8000000000000000L;
  private static final long SECRET_HIGH;
  private static final long SECRET_LOW;

  static {
    SecureRandom random = new SecureRandom();
    SECRET_HIGH = random.nextLong();
    SECRET_LOW = random.nextLong();
  }

  private EventIds() {}

  /** A new event id, in the text form of a version 4 UUID. */
  static String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() ^ SECRET_HIGH) & VERSION_MASK | VERSION_4;
    long low = (random.nextLong() ^ SECRET_LOW) & VARIANT_MASK | VARIANT_IETF;
    return new UUID(high, low).toString();
  }
}
