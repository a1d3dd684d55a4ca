package io.gatehouse.gateway.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaneCountersTest {

    /** More threads than lanes: the last ones share a lane, and every count is kept all the same. */
    @Test
    void countsFromMoreThreadsThanLanesAddUpExactly() throws Exception {
        LaneCounters counters = new LaneCounters(3);
        int threads = LaneCounters.LANES + 6;
        int perThread = 20_000;
        for (Thread thread : counting(threads, () -> {
            for (int i = 0; i < perThread; i++) {
                counters.increment(0);
                counters.add(2, 3);
            }
        })) {
            thread.join();
        }
        assertEquals((long) threads * perThread, counters.sum(0));
        assertEquals(0, counters.sum(1));
        assertEquals(3L * threads * perThread, counters.sum(2));
    }

    /** Drains taken while threads count report every count once: none lost, none twice. */
    @Test
    void drainsDuringCountingLoseNothingAndCountNothingTwice() throws Exception {
        LaneCounters counters = new LaneCounters(1);
        int threads = 4;
        int perThread = 200_000;
        List<Thread> all = counting(threads, () -> {
            for (int i = 0; i < perThread; i++) {
                counters.increment(0);
            }
        });
        AtomicBoolean counting = new AtomicBoolean(true);
        long drained = 0;
        int drains = 0;
        Thread watcher = new Thread(() -> {
            for (Thread thread : all) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            counting.set(false);
        });
        watcher.start();
        while (counting.get()) {
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
                await(start);
                work.run();
            });
            thread.start();
            all.add(thread);
        }
        start.countDown();
        return all;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
