package io.gatehouse.gateway.metrics;

import io.netty.util.concurrent.FastThreadLocal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * A fixed bank of counters that every request adds to, with one lane per thread: a thread owns its lane and adds with
 * a plain store, so an event loop counts without an atomic instruction and no cache line moves between cores.
 * Readers (scrapes, usage flushes, lease requests) sum the lanes. {@link java.util.concurrent.atomic.LongAdder} did
 * this job before and cost one locked instruction per count, several per request.
 *
 * <p>Lanes are handed out to threads as they first count, up to {@link #LANES}, and handed back when a Netty thread
 * (every Vert.x event loop) ends, for the next thread to take over with the counts the lane holds. Threads beyond the
 * lanes share one more lane and add to it atomically, so every count is kept either way. A lane's counters sit in
 * their own array, padded so that two lanes never share a cache line.
 *
 * <p>Counters are never reset: {@link #drain} reports what was added since the previous drain, which makes a drain
 * lose nothing however it interleaves with counting.
 */
public final class LaneCounters {
    /** Lanes owned by one thread each: room for every event loop of a node with its default settings, and then some. */
    static final int LANES = Math.max(8, Runtime.getRuntime().availableProcessors() * 2);
    static final int SHARED = LANES;
    /** 128 bytes of padding after each lane's counters: two cache lines, as adjacent-line prefetch pairs them. */
    private static final int PAD = 16;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle LANE_ARRAYS = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final AtomicInteger NEXT_LANE = new AtomicInteger();
    /**
     * Lanes whose threads ended. The queue orders the last writes of the old owner before the first read of the new
     * one, which carries on from the counts the lane holds: one writer at a time, nothing lost.
     */
    private static final Queue<Integer> FREE_LANES = new ConcurrentLinkedQueue<>();
    private static final FastThreadLocal<Integer> LANE = new FastThreadLocal<>() {
        @Override
        protected Integer initialValue() {
            Integer free = FREE_LANES.poll();
            if (free != null) {
                return free;
            }
            int lane = NEXT_LANE.getAndUpdate(next -> next < LANES ? next + 1 : next);
            return lane < LANES ? lane : SHARED;
        }

        @Override
        protected void onRemoval(Integer lane) {
            if (lane != SHARED) {
                FREE_LANES.offer(lane);
            }
        }
    };

    private final int size;
    private final IntSupplier laneOfThisThread;
    /**
     * One array per lane, made by its owner on its first count; the last is the shared lane. A bank costs its size in
     * longs for each thread that counts into it, and nothing for the others.
     */
    private final long[][] lanes = new long[LANES + 1][];
    /** The sums last reported by {@link #drain}, made by the first drain; guarded by this bank's monitor. */
    private long[] drained;

    public LaneCounters(int size) {
        this(size, LaneCounters::laneOfCurrentThread);
    }

    /** With lanes given by {@code laneOfThisThread} (0 to {@link #LANES}, the last shared): tests choose them. */
    LaneCounters(int size, IntSupplier laneOfThisThread) {
        this.size = size;
        this.laneOfThisThread = laneOfThisThread;
    }

    static int laneOfCurrentThread() {
        return LANE.get();
    }

    public void increment(int counter) {
        add(counter, 1);
    }

    public void add(int counter, long value) {
        int lane = laneOfThisThread.getAsInt();
        if (lane == SHARED) {
            long[] shared = (long[]) LANE_ARRAYS.getAcquire(lanes, SHARED);
            if (shared == null) {
                // Made only when a thread beyond the lanes counts: most banks never need it.
                LANE_ARRAYS.compareAndSet(lanes, SHARED, null, new long[size + PAD]);
                shared = (long[]) LANE_ARRAYS.getAcquire(lanes, SHARED);
            }
            LONGS.getAndAdd(shared, counter, value);
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
        for (int lane = 0; lane <= LANES; lane++) {
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

    /** What {@link #drain} would report now, without moving it on. */
    public long undrained(int counter) {
        synchronized (this) {
            return sum(counter) - (drained == null ? 0 : drained[counter]);
        }
    }
}
