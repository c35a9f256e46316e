package dev.chorus.testkit;

import dev.chorus.VirtualClock;

/** How time moves for the bus of a {@link ChorusTest}. */
public enum VirtualTime {
  /**
   * {@link VirtualClock#autoAdvancing()}: the clock jumps to each retry timer as soon as it is
   * set, so a backoff of minutes passes at once while event times still show it.
   */
  AUTO,
  /**
   * {@link VirtualClock#create()}: time stands still until the test moves it with
   * {@link TestEventBus#advance} (or {@link VirtualClock#advance}), so it can look at the state
   * between two attempts.
   */
  MANUAL
}
