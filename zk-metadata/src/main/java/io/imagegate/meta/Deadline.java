package io.imagegate.meta;

import java.time.Duration;

/** The moment one store operation gives up waiting for ZooKeeper and reports Unavailable. */
record Deadline(long expiresAtNanos) {

    static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos());
    }

    long remainingMillis() {
        return Math.max(0, (expiresAtNanos - System.nanoTime()) / 1_000_000);
    }

    boolean expired() {
        return System.nanoTime() - expiresAtNanos >= 0;
    }
}
