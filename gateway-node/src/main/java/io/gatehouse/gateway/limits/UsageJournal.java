package io.gatehouse.gateway.limits;

import io.gatehouse.audit.spool.Spool;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.gatehouse.protocol.usage.UsageRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The node's usage on its way to the control plane, kept on disk until the control plane has applied it, so that
 * neither a lost connection nor a crash of the node loses or doubles a count (docs/limits.md, "Usage accounting").
 *
 * <p>One thread of its own, never an event loop, moves what the request path counted (lock-free counters) into an
 * append-only {@link Spool} in the node's data directory every {@code spoolMs}, one fsync per write. Each write is
 * stamped with the number of the report it belongs to; every {@code reportMs} the open report is closed and sent, and
 * its number (with the node id) is its id at the control plane, which applies each id once. A report is rebuilt from
 * the spool exactly as it was sent, whatever happened since, so after a restart the node resends every report the
 * control plane has not acknowledged under the same id. The spool moves past a report only once it, and every report
 * before it, is acknowledged (or refused: a report the control plane refused would only be refused again).
 *
 * <p>The usage spool has no size bound: usage is billing data and is never dropped to make room (the audit spool,
 * by contrast, drops its oldest unsent records). A failed write keeps the counts in memory and tries again.
 */
public final class UsageJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageJournal.class);
    public static final String SPOOL_DIR = "usage-spool";
    private static final long SEGMENT_BYTES = 4L << 20;
    private static final long RESEND_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** Reports sent and not yet acknowledged at once: after a long outage the backlog goes out at this pace. */
    private static final int IN_FLIGHT = 64;
    private static final int READ_BATCH = 512;

    /** What one spool entry holds: counts since the previous entry, and the report they belong to. */
    public record SpooledCounts(long report, List<UsageRecord> records) {
    }

    private static final class Report {
        final long sequence;
        final long firstEntry;
        final Map<String, UsageRecord> counts = new LinkedHashMap<>();
        NodeMessage.UsageReport message;
        long lastSentNanos;
        boolean done;
        /** When the report was closed (or found in the spool at start): what its wait is measured from. */
        long closedAtMillis;

        Report(long sequence, long firstEntry) {
            this.sequence = sequence;
            this.firstEntry = firstEntry;
        }

        void add(List<UsageRecord> records) {
            for (UsageRecord r : records) {
                counts.merge(key(r), r, UsageRecord::plus);
            }
        }

        long newKeys(List<UsageRecord> records) {
            return records.stream().map(Report::key).distinct().filter(k -> !counts.containsKey(k)).count();
        }

        NodeMessage.UsageReport close() {
            closedAtMillis = System.currentTimeMillis();
            message = new NodeMessage.UsageReport(batchId(sequence), List.copyOf(counts.values()), sequence);
            counts.clear();
            return message;
        }

        static String key(UsageRecord r) {
            return r.subscriptionId() + '|' + r.planId() + '|' + r.hour();
        }
    }

    private final Limits limits;
    private final Spool spool;
    private final Path dir;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final long spoolNanos;
    private final long reportNanos;
    private final Thread thread;
    private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    private volatile ControlPlaneLink link;
    private volatile boolean resendAll;
    private volatile boolean running = true;

    // The journal thread's own state.
    private final ArrayDeque<Report> unacknowledged = new ArrayDeque<>();
    private final Map<String, Report> byBatchId = new HashMap<>();
    private Report open;
    private List<UsageRecord> unwritten = List.of();
    private long nextReport;
    private long lastFailureLogNanos;

    private final AtomicLong pendingReports = new AtomicLong();
    /** When the oldest unacknowledged report was closed; 0 when none waits. */
    private volatile long oldestWaitingSinceMillis;
    /** The spool's depth as the journal thread last saw it: readers never wait on the spool's lock. */
    private final AtomicLong spoolDepth = new AtomicLong();
    private final AtomicLong admittedSpooled = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong replayedReports = new AtomicLong();

    private UsageJournal(Limits limits, Path dir, FileChannel lockFile, FileLock lock, Spool spool, long spoolMs, long reportMs) {
        this.limits = limits;
        this.dir = dir;
        this.lockFile = lockFile;
        this.lock = lock;
        this.spool = spool;
        this.spoolNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, spoolMs));
        this.reportNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(spoolMs, reportMs));
        this.thread = new Thread(this::run, "gatehouse-usage-journal");
        thread.setDaemon(true);
    }

    /**
     * Opens the usage spool under {@code dataDir} (taking it for this process alone) and reads back every report the
     * control plane has not acknowledged. Blocking: call it from the thread that starts the node, not an event loop.
     */
    public static UsageJournal open(Limits limits, Path dataDir, long spoolMs, long reportMs) {
        Path dir = dataDir.resolve(SPOOL_DIR);
        FileChannel lockFile = null;
        try {
            Files.createDirectories(dir);
            lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockFile.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("the usage spool " + dir + " is in use by another gateway node: each node needs a data directory of its own");
            }
            // Never bounded: usage is not dropped to make room.
            Spool spool = new Spool(dir, Long.MAX_VALUE, SEGMENT_BYTES);
            UsageJournal journal = new UsageJournal(limits, dir, lockFile, lock, spool, spoolMs, reportMs);
            journal.replay();
            return journal;
        } catch (IOException e) {
            closeQuietly(lockFile);
            throw new IllegalStateException("usage spool " + dir + " unusable: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(lockFile);
            throw e;
        }
    }

    /** Rebuilds the unacknowledged reports from the spool, each exactly as it was (or would have been) sent. */
    private void replay() throws IOException {
        long highest = -1;
        Report current = null;
        for (List<Spool.Entry> batch = spool.read(READ_BATCH); !batch.isEmpty(); batch = spool.read(READ_BATCH)) {
            for (Spool.Entry entry : batch) {
                SpooledCounts counts;
                try {
                    counts = Json.read(entry.payload(), SpooledCounts.class);
                } catch (RuntimeException e) {
                    // The CRC held, so this is not a torn write; it cannot be sent, and must not stop the rest.
                    LOG.error("usage spool entry {} unreadable, skipped: {}", entry.seq(), e.toString());
                    continue;
                }
                if (current == null || current.sequence != counts.report()) {
                    closeReplayed(current);
                    current = new Report(counts.report(), entry.seq());
                }
                current.add(counts.records());
                highest = Math.max(highest, counts.report());
            }
        }
        closeReplayed(current);
        // Report numbers start from the clock (a thousand per millisecond) so that they keep growing even if the data
        // directory is lost and the node starts with an empty spool: a new report never reuses an applied id.
        nextReport = Math.max(System.currentTimeMillis() * 1_000, highest + 1);
        replayedReports.set(unacknowledged.size());
        spoolDepth.set(spool.depth());
        pendingReports.set(unacknowledged.size());
        if (!unacknowledged.isEmpty()) {
            LOG.info("usage spool {}: {} reports not acknowledged before the last stop, sending them again", dir, unacknowledged.size());
        }
    }

    private void closeReplayed(Report report) {
        if (report != null) {
            report.close();
            unacknowledged.add(report);
            byBatchId.put(report.message.batchId(), report);
            oldestWaitingSinceMillis = unacknowledged.peekFirst().closedAtMillis;
        }
    }

    static String batchId(long sequence) {
        return "report-" + sequence;
    }

    /** Starts moving counts to the spool and reports to the control plane through {@code link}. */
    public UsageJournal start(ControlPlaneLink link) {
        this.link = link;
        thread.start();
        return this;
    }

    /** The control plane applied (or refused) this report. Any thread; never blocks. */
    public void acknowledged(String batchId) {
        acknowledged.add(batchId);
        LockSupport.unpark(thread);
    }

    /** After a reconnect: everything unacknowledged goes again at once. Any thread; never blocks. */
    public void resendAll() {
        resendAll = true;
        LockSupport.unpark(thread);
    }

    /**
     * Spools what is counted now, closes the open report and sends it, then waits until the control plane has
     * acknowledged every report or {@code timeoutMillis} is up: a draining node leaves no usage behind when the
     * control plane answers. Without a connection it only spools. Blocking: not on an event loop.
     *
     * @return whether nothing is left unacknowledged
     */
    public boolean flush(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        flushRequested = true;
        LockSupport.unpark(thread);
        while (System.nanoTime() - deadline < 0) {
            if (!flushRequested && pendingReports.get() == 0) {
                return true;
            }
            ControlPlaneLink to = link;
            if (!flushRequested && (to == null || !to.connected())) {
                return false; // spooled: sent at the next start
            }
            LockSupport.parkNanos(10_000_000);
        }
        return !flushRequested && pendingReports.get() == 0;
    }

    private volatile boolean flushRequested;

    private void run() {
        long nextSpool = System.nanoTime();
        long nextClose = nextSpool + reportNanos;
        while (running) {
            long now = System.nanoTime();
            try {
                takeAcknowledgements();
                if (flushRequested) {
                    spoolCounts();
                    closeOpenReport();
                    send(now);
                    nextSpool = now + spoolNanos;
                    nextClose = now + reportNanos;
                    flushRequested = false;
                }
                if (now - nextSpool >= 0) {
                    spoolCounts();
                    nextSpool = now + spoolNanos;
                }
                if (now - nextClose >= 0) {
                    closeOpenReport();
                    nextClose = now + reportNanos;
                }
                send(now);
            } catch (RuntimeException e) {
                LOG.error("usage journal step failed; counts stay in memory and are tried again", e);
            }
            LockSupport.parkNanos(Math.max(1, Math.min(nextSpool, nextClose) - System.nanoTime()));
        }
        // Stopping: what was counted goes to disk and out once more; what is not acknowledged is resent at the next start.
        try {
            takeAcknowledgements();
            spoolCounts();
            closeOpenReport();
            send(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.error("usage journal could not finish cleanly", e);
        }
    }

    /** Moves what was counted since the last call into the spool, in the open report. */
    private void spoolCounts() {
        List<UsageRecord> drained = limits.drainUsage();
        List<UsageRecord> counts = unwritten.isEmpty() ? drained : merge(unwritten, drained);
        if (counts.isEmpty()) {
            return;
        }
        // The control plane takes at most MAX_USAGE_RECORDS records per report.
        for (int from = 0; from < counts.size(); from += SyncChannel.MAX_USAGE_RECORDS) {
            List<UsageRecord> chunk = counts.subList(from, Math.min(counts.size(), from + SyncChannel.MAX_USAGE_RECORDS));
            if (open != null && open.counts.size() + open.newKeys(chunk) > SyncChannel.MAX_USAGE_RECORDS) {
                closeOpenReport();
            }
            long report = open != null ? open.sequence : nextReport;
            long entry;
            try {
                spool.append(List.of(Json.write(new SpooledCounts(report, List.copyOf(chunk))).getBytes(StandardCharsets.UTF_8)));
                // Its sequence number in the spool: the one entry appended since the last read.
                List<Spool.Entry> written = spool.read(1);
                entry = written.isEmpty() ? -1 : written.get(0).seq();
            } catch (IOException e) {
                writeFailures.incrementAndGet();
                unwritten = List.copyOf(counts.subList(from, counts.size()));
                long now = System.nanoTime();
                if (now - lastFailureLogNanos > TimeUnit.MINUTES.toNanos(1)) {
                    lastFailureLogNanos = now;
                    LOG.error("usage spool {} write failed ({}): counts kept in memory and written when the disk takes them", dir, e.toString());
                }
                return;
            }
            if (open == null) {
                open = new Report(report, entry);
                nextReport = report + 1;
            }
            open.add(chunk);
            for (UsageRecord r : chunk) {
                admittedSpooled.addAndGet(r.admitted());
            }
        }
        unwritten = List.of();
        spoolDepth.set(spool.depth());
    }

    private static List<UsageRecord> merge(List<UsageRecord> a, List<UsageRecord> b) {
        Report sum = new Report(-1, -1);
        sum.add(a);
        sum.add(b);
        return new ArrayList<>(sum.counts.values());
    }

    private void closeOpenReport() {
        if (open == null) {
            return;
        }
        open.close();
        unacknowledged.add(open);
        byBatchId.put(open.message.batchId(), open);
        pendingReports.set(unacknowledged.size());
        oldestWaitingSinceMillis = unacknowledged.peekFirst().closedAtMillis;
        open = null;
    }

    private void takeAcknowledgements() {
        boolean any = false;
        for (String id = acknowledged.poll(); id != null; id = acknowledged.poll()) {
            Report report = byBatchId.remove(id);
            if (report != null) {
                report.done = true;
                any = true;
            }
        }
        if (!any) {
            return;
        }
        while (!unacknowledged.isEmpty() && unacknowledged.peekFirst().done) {
            unacknowledged.pollFirst();
        }
        pendingReports.set(unacknowledged.size());
        oldestWaitingSinceMillis = unacknowledged.isEmpty() ? 0 : unacknowledged.peekFirst().closedAtMillis;
        // Everything before the first report still waiting (closed or open) has been applied.
        long firstWaiting = !unacknowledged.isEmpty() ? unacknowledged.peekFirst().firstEntry
                : open != null ? open.firstEntry : Long.MAX_VALUE;
        try {
            spool.acknowledge(firstWaiting);
            spoolDepth.set(spool.depth());
        } catch (IOException e) {
            // The cursor stays behind: those reports are sent again after a restart and acknowledged without counting.
            LOG.warn("usage spool cursor not written: {}", e.toString());
        }
    }

    private void send(long now) {
        ControlPlaneLink to = link;
        if (to == null || !to.connected()) {
            return;
        }
        boolean all = resendAll;
        resendAll = false;
        int inFlight = 0;
        for (Report report : unacknowledged) {
            if (report.done) {
                continue;
            }
            boolean waiting = report.lastSentNanos != 0 && now - report.lastSentNanos <= RESEND_NANOS;
            if (waiting && !all) {
                if (++inFlight >= IN_FLIGHT) {
                    return;
                }
                continue;
            }
            report.lastSentNanos = now;
            to.send(report.message);
            if (++inFlight >= IN_FLIGHT) {
                return;
            }
        }
    }

    /** Reports closed and not yet acknowledged by the control plane. */
    public long pendingReports() {
        return pendingReports.get();
    }

    /** How long the oldest report not yet acknowledged has waited since it was closed; 0 when none waits. */
    public long oldestWaitingAgeMillis() {
        long since = oldestWaitingSinceMillis;
        return since == 0 ? 0 : Math.max(0, System.currentTimeMillis() - since);
    }

    /** Spool entries not yet acknowledged (a report is one or more entries). */
    public long spoolDepth() {
        return spoolDepth.get();
    }

    /** Admitted requests written to the spool by this process (replayed reports not included). */
    public long admittedSpooled() {
        return admittedSpooled.get();
    }

    /** Reports found unacknowledged in the spool when the node started. */
    public long replayedReports() {
        return replayedReports.get();
    }

    /** Spool writes that failed (their counts were kept and written later). */
    public long writeFailures() {
        return writeFailures.get();
    }

    /** Spools what is counted, sends it once more, and stops. Blocking: not on an event loop. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            spool.close();
        } catch (IOException e) {
            LOG.warn("usage spool did not close cleanly: {}", e.toString());
        }
        try {
            lock.release();
        } catch (IOException e) {
            // The lock goes with the channel.
        }
        closeQuietly(lockFile);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Nothing to do: the process lets go of it on exit.
            }
        }
    }
}
