package io.imagegate.agent.prefetch;

/**
 * The life of a background walk (a prefetch, a hydration): one virtual thread, started once, asked to
 * stop (the walk looks at {@link #stopped()} between fetches and ends), and awaited by a closing
 * export or a test.
 */
final class BackgroundWalk {

    private final String threadName;
    private volatile boolean stopped;
    private Thread thread;

    BackgroundWalk(String threadName) {
        this.threadName = threadName;
    }

    synchronized void start(Runnable walk) {
        thread = Thread.ofVirtual().name(threadName).start(walk);
    }

    /** Asks the walk to end; it does at its next look. */
    void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Waits for the walk to end; returns at once when it was never started. */
    void await() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.join();
        }
    }
}
