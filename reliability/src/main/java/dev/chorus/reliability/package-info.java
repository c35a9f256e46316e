/**
 * The reliability harness: subscribers in child JVMs, brokers stopped, restarted and killed, and
 * an exact ledger of every acknowledged publish, handler call and dead letter. Not published.
 */
package dev.chorus.reliability;
