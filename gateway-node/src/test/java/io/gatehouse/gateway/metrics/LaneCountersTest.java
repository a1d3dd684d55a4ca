package io.gatehouse.gateway.metrics;

import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaneCountersTest {

    /**
     * Lanes chosen by the test, so both paths are certain to run whatever other tests took: the first threads own a
     * lane each, the rest share the last one.
     */
    private static IntSupplier lanesInOrderOfFirstCount(int owned) {
        AtomicInteger next = new AtomicInteger();
        ThreadLocal<Integer> lane = ThreadLocal.withInitial(() -> {
            int n = next.getAndIncrement();
            return n < owned ? n : LaneCounters.SHARED;
        });
        return lane::get;
    }

    @Test
    void countsOnOwnedAndSharedLanesAddUpExactly() throws Exception {
        LaneCounters counters = new LaneCounters(3, lanesInOrderOfFirstCount(4));
        int threads = 10;
        int perThread = 20_000;
        join(counting(threads, () -> {
            for (int i = 0; i < perThread; i++) {
                counters.increment(0);
                counters.add(2, 3);
            }
        }));
        assertEquals((long) threads * perThread, counters.sum(0));
        assertEquals(0, counters.sum(1));
        assertEquals(3L * threads * perThread, counters.sum(2));
    }

    /** Drains taken while threads count report every count once: none lost, none twice. */
    @Test
    void drainsDuringCountingLoseNothingAndCountNothingTwice() throws Exception {
        LaneCounters counters = new LaneCounters(1, lanesInOrderOfFirstCount(3));
        int threads = 5;
        int perThread = 200_000;
        List<Thread> all = counting(threads, () -> {
            for (int i = 0; i < perThread; i++) {
                counters.increment(0);
            }
        });
        AtomicBoolean running = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            join(all);
            running.set(false);
        });
        watcher.start();
        long drained = 0;
        int drains = 0;
        while (running.get()) {
            long part = counters.drain(0);
            assertTrue(part >= 0, "a drain never goes back");
            drained += part;
            drains++;
        }
        watcher.join();
        drained += counters.drain(0);
        assertEquals((long) threads * perThread, drained, "over " + drains + " drains");
        assertEquals(0, counters.undrained(0));
        assertEquals((long) threads * perThread, counters.sum(0), "a drain does not reset the sum");
    }

    /** The lanes event loops get: Netty threads count on lanes of their own, and hand them on when they end. */
    @Test
    void aLaneOfAThreadThatEndedGoesToTheNextThreadWithItsCounts() throws Exception {
        LaneCounters counters = new LaneCounters(1);
        int[] lanes = new int[2];
        Thread first = new FastThreadLocalThread(() -> {
            lanes[0] = LaneCounters.laneOfCurrentThread();
            for (int i = 0; i < 1_000; i++) {
                counters.increment(0);
            }
        });
        first.start();
        first.join();
        Thread second = new FastThreadLocalThread(() -> {
            lanes[1] = LaneCounters.laneOfCurrentThread();
            for (int i = 0; i < 500; i++) {
                counters.increment(0);
            }
        });
        second.start();
        second.join();
        assertNotEquals(LaneCounters.SHARED, lanes[0], "lanes left for event loops");
        assertEquals(lanes[0], lanes[1], "the second thread took over the first one's lane");
        assertEquals(1_500, counters.sum(0), "the lane kept the first thread's counts and added the second's");
    }

    @Test
    void negativeAdditionsCountDown() {
        LaneCounters counters = new LaneCounters(1);
        counters.increment(0);
        counters.increment(0);
        counters.add(0, -1);
        assertEquals(1, counters.sum(0));
    }

    /** Threads that all run {@code work} from the same moment, already started. */
    private static List<Thread> counting(int threads, Runnable work) {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                work.run();
            });
            thread.start();
            all.add(thread);
        }
        start.countDown();
        return all;
    }

    private static void join(List<Thread> threads) {
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
