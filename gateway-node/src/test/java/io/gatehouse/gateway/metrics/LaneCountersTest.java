package io.gatehouse.gateway.metrics;

import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaneCountersTest {

    /** Ten threads on four lanes of a numbering of the test's own: four own a lane each, six share the last one. */
    @Test
    void countsOnOwnedAndSharedLanesAddUpExactly() throws Exception {
        LaneCounters counters = new LaneCounters(3, new LaneCounters.Lanes(4));
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
        LaneCounters counters = new LaneCounters(1, new LaneCounters.Lanes(3));
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
        LaneCounters.Lanes numbering = new LaneCounters.Lanes(2);
        LaneCounters counters = new LaneCounters(1, numbering);
        int first = laneOfANettyThreadThatCounted(numbering, counters, 1_000);
        int second = laneOfANettyThreadThatCounted(numbering, counters, 500);
        assertEquals(0, first);
        assertEquals(first, second, "the second thread took over the first one's lane, not the next one");
        assertEquals(1_500, counters.sum(0), "the lane kept the first thread's counts and added the second's");
    }

    /** Starts a Netty thread that counts {@code times} and ends; the lane it counted on. */
    private static int laneOfANettyThreadThatCounted(LaneCounters.Lanes numbering, LaneCounters counters, int times)
            throws InterruptedException {
        int[] lane = new int[1];
        Thread thread = new FastThreadLocalThread(() -> {
            lane[0] = numbering.current();
            for (int i = 0; i < times; i++) {
                counters.increment(0);
            }
        });
        thread.start();
        thread.join();
        return lane[0];
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
