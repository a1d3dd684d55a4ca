package io.gatehouse.gateway.metrics;

import io.netty.util.concurrent.FastThreadLocal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed bank of counters that every request adds to, with one lane per thread: a thread owns its lane and adds with
 * a plain store, so an event loop counts without an atomic instruction and no cache line moves between cores.
 * Readers (scrapes, usage flushes, lease requests) sum the lanes. {@link java.util.concurrent.atomic.LongAdder} did
 * this job before and cost one locked instruction per count, several per request.
 *
 * <p>Lanes are handed out to threads as they first count ({@link Lanes}), and handed back when a Netty thread (every
 * Vert.x event loop) ends, for the next thread to take over with the counts the lane holds. Threads beyond the lanes
 * share one more lane and add to it atomically, so every count is kept either way. A lane's counters sit in their own
 * array, padded so that two lanes never share a cache line.
 *
 * <p>Counters are never reset: {@link #drain} reports what was added since the previous drain, which makes a drain
 * lose nothing however it interleaves with counting.
 */
public final class LaneCounters {
    /** 128 bytes of padding after each lane's counters: two cache lines, as adjacent-line prefetch pairs them. */
    private static final int PAD = 16;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle LANE_ARRAYS = MethodHandles.arrayElementVarHandle(long[][].class);

    /**
     * Lane numbers for threads: handed out as threads first count, and handed back when a Netty thread (every Vert.x
     * event loop) ends. Threads beyond {@link #owned} lanes get the shared lane, numbered {@link #owned}.
     */
    static final class Lanes {
        /** The node's lanes: room for every event loop with the default settings, and then some. */
        static final Lanes NODE = new Lanes(Math.max(8, Runtime.getRuntime().availableProcessors() * 2));

        final int owned;
        private final AtomicInteger next = new AtomicInteger();
        /**
         * Lanes whose threads ended. The queue orders the last writes of the old owner before the first read of the
         * new one, which carries on from the counts the lane holds: one writer at a time, nothing lost.
         */
        private final Queue<Integer> free = new ConcurrentLinkedQueue<>();
        private final FastThreadLocal<Integer> lane = new FastThreadLocal<>() {
            @Override
            protected Integer initialValue() {
                Integer handedBack = free.poll();
                if (handedBack != null) {
                    return handedBack;
                }
                int n = next.getAndUpdate(taken -> taken < owned ? taken + 1 : taken);
                return n < owned ? n : owned;
            }

            @Override
            protected void onRemoval(Integer number) {
                if (number != owned) {
                    free.offer(number);
                }
            }
        };

        Lanes(int owned) {
            this.owned = owned;
        }

        /** This thread's lane. */
        int current() {
            return lane.get();
        }
    }

    private final int size;
    private final Lanes laneNumbers;
    private final int shared;
    /**
     * One array per lane, made by its owner on its first count; the last is the shared lane. A bank costs its size in
     * longs for each thread that counts into it, and nothing for the others.
     */
    private final long[][] lanes;
    /** The sums last reported by {@link #drain}, made by the first drain; guarded by this bank's monitor. */
    private long[] drained;

    public LaneCounters(int size) {
        this(size, Lanes.NODE);
    }

    /** With lanes numbered from {@code laneNumbers}: tests use their own, out of reach of other tests' threads. */
    LaneCounters(int size, Lanes laneNumbers) {
        this.size = size;
        this.laneNumbers = laneNumbers;
        this.shared = laneNumbers.owned;
        this.lanes = new long[laneNumbers.owned + 1][];
    }

    public void increment(int counter) {
        add(counter, 1);
    }

    public void add(int counter, long value) {
        int lane = laneNumbers.current();
        if (lane == shared) {
            long[] common = (long[]) LANE_ARRAYS.getAcquire(lanes, shared);
            if (common == null) {
                // Made only when a thread beyond the lanes counts: most banks never need it.
                LANE_ARRAYS.compareAndSet(lanes, shared, null, new long[size + PAD]);
                common = (long[]) LANE_ARRAYS.getAcquire(lanes, shared);
            }
            LONGS.getAndAdd(common, counter, value);
            return;
        }
        long[] own = (long[]) LANE_ARRAYS.getAcquire(lanes, lane);
        if (own == null) {
            own = new long[size + PAD];
            LANE_ARRAYS.setRelease(lanes, lane, own);
        }
        // Only this thread writes its lane: a plain read of its own last value, and an opaque store that readers
        // see whole and in order.
        LONGS.setOpaque(own, counter, own[counter] + value);
    }

    /** Everything counted so far. */
    public long sum(int counter) {
        long total = 0;
        for (int lane = 0; lane < lanes.length; lane++) {
            long[] counts = (long[]) LANE_ARRAYS.getAcquire(lanes, lane);
            if (counts != null) {
                total += (long) LONGS.getOpaque(counts, counter);
            }
        }
        return total;
    }

    /** What was counted since the previous drain; counts added meanwhile go to the next one. */
    public long drain(int counter) {
        synchronized (this) {
            long total = sum(counter);
            if (drained == null) {
                drained = new long[size];
            }
            long since = total - drained[counter];
            drained[counter] = total;
            return since;
        }
    }

    /** Longs held by the lanes made so far, padding included. */
    long footprint() {
        long longs = 0;
        for (int lane = 0; lane < lanes.length; lane++) {
            long[] counts = (long[]) LANE_ARRAYS.getAcquire(lanes, lane);
            if (counts != null) {
                longs += counts.length;
            }
        }
        return longs;
    }

    /** What {@link #drain} would report now, without moving it on. */
    public long undrained(int counter) {
        synchronized (this) {
            return sum(counter) - (drained == null ? 0 : drained[counter]);
        }
    }
}
