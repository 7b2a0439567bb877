package io.imagegate.agent.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BackgroundWalkTest {

    @Test
    void awaitingAWalkNeverStartedReturnsAtOnce() throws InterruptedException {
        BackgroundWalk walk = new BackgroundWalk("never");
        walk.await();
        assertFalse(walk.stopped());
    }

    @Test
    void aStoppedWalkSeesItAndAwaitReturnsOnceItEnded() throws InterruptedException {
        BackgroundWalk walk = new BackgroundWalk("walk-under-test");
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger steps = new AtomicInteger();
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<Boolean> virtual = new AtomicReference<>();
        walk.start(() -> {
            thread.set(Thread.currentThread().getName());
            virtual.set(Thread.currentThread().isVirtual());
            running.countDown();
            while (!walk.stopped()) {
                steps.incrementAndGet();
                Thread.onSpinWait();
            }
        });
        running.await();
        walk.stop();
        walk.await();
        int after = steps.get();
        assertTrue(walk.stopped());
        assertEquals("walk-under-test", thread.get());
        assertTrue(virtual.get());
        assertEquals(after, steps.get(), "the walk went on after await returned");
    }
}
