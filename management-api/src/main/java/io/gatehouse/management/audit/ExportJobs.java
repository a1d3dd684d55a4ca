package io.gatehouse.management.audit;

import io.gatehouse.audit.export.ExportManifest;
import io.gatehouse.audit.export.ExportWriter;
import io.gatehouse.management.GatehouseConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Exports started from the console run here, off the request, a few at a time: the page that started one shows its
 * progress (records written of the records the range holds) until the file and its manifest are ready. Jobs live in
 * memory; the files outlive a restart, and an export whose job is forgotten is still found by id on disk.
 */
@ApplicationScoped
public class ExportJobs {
    private static final Logger LOG = Logger.getLogger(ExportJobs.class);
    /** Exports waiting for a thread, beyond which a new one is refused rather than queued without bound. */
    private static final int WAITING_MAX = 16;
    /** Finished jobs remembered for the console's list. */
    private static final int REMEMBERED = 50;

    public enum State { QUEUED, RUNNING, DONE, FAILED }

    /** One export as the console shows it. */
    @io.quarkus.qute.TemplateData
    public static final class Job implements AuditExports.Progress {
        private final String id;
        private final Instant from;
        private final Instant to;
        private final String apiId;
        private final String consumerId;
        private final ExportWriter.Format format;
        private final String startedBy;
        private final Instant startedAt;
        private volatile State state = State.QUEUED;
        private volatile long total = -1;
        private volatile long written;
        private volatile ExportManifest manifest;
        private volatile String failure;
        private volatile Instant finishedAt;

        Job(String id, Instant from, Instant to, String apiId, String consumerId, ExportWriter.Format format, String startedBy) {
            this.id = id;
            this.from = from;
            this.to = to;
            this.apiId = apiId;
            this.consumerId = consumerId;
            this.format = format;
            this.startedBy = startedBy;
            this.startedAt = Instant.now();
        }

        /** A job known only from its files on disk (made before a restart). */
        static Job finished(AuditExports.Export export) {
            ExportManifest m = export.manifest();
            Job job = new Job(export.id(), m.from(), m.to(), m.apiId(), m.consumerId(),
                    ExportWriter.Format.valueOf(m.format().toUpperCase()), null);
            job.total = m.count();
            job.written = m.count();
            job.manifest = m;
            job.state = State.DONE;
            job.finishedAt = m.generatedAt();
            return job;
        }

        @Override
        public void total(long records) {
            total = records;
        }

        @Override
        public void written(long records) {
            written = records;
        }

        public String id() { return id; }
        public Instant from() { return from; }
        public Instant to() { return to; }
        public String apiId() { return apiId; }
        public String consumerId() { return consumerId; }
        public String format() { return format.name().toLowerCase(); }
        public String startedBy() { return startedBy; }
        public Instant startedAt() { return startedAt; }
        public State state() { return state; }
        public String stateName() { return state.name().toLowerCase(); }
        public boolean finished() { return state == State.DONE || state == State.FAILED; }
        /** Records the range holds; -1 until counted. */
        public long total() { return total; }
        public long written() { return written; }
        public ExportManifest manifest() { return manifest; }
        public String failure() { return failure; }
        public Instant finishedAt() { return finishedAt; }

        /** Whole per cent written, 100 for an empty range once counted. */
        public int percent() {
            return percent(state, total, written);
        }

        /**
         * The job as it is at one instant. A page must render from this rather than from the job itself: the
         * export thread moves the job on while the page renders, and a head that saw "running" (and asked for a
         * refresh) beside a body that saw "done" is a page that contradicts itself.
         */
        public Snapshot snapshot() {
            // The state is read first: the export thread writes manifest, failure and counts before it publishes
            // the state (all volatile), so whatever state is read here, the fields it implies are visible.
            State s = state;
            long t = total;
            long w = written;
            return new Snapshot(id, from, to, apiId, consumerId, format(), startedBy, startedAt,
                    s.name().toLowerCase(), s == State.DONE || s == State.FAILED, t, w, percent(s, t, w),
                    manifest, failure, finishedAt);
        }

        private static int percent(State s, long t, long w) {
            if (t < 0) return 0;
            if (t == 0) return s == State.DONE ? 100 : 0;
            return (int) Math.min(100, w * 100 / t);
        }
    }

    /** An immutable view of a {@link Job} for rendering. */
    public record Snapshot(String id, Instant from, Instant to, String apiId, String consumerId, String format,
                           String startedBy, Instant startedAt, String stateName, boolean finished, long total,
                           long written, int percent, ExportManifest manifest, String failure, Instant finishedAt) {
    }

    /** The queue of exports is full. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("too many exports are waiting; try again when one has finished", null, false, false);
        }
    }

    @Inject
    AuditExports exports;
    @Inject
    GatehouseConfig config;

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private ThreadPoolExecutor pool;

    @PostConstruct
    void init() {
        int threads = Math.max(1, config.audit().exportThreads());
        pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(WAITING_MAX), r -> {
            Thread thread = new Thread(r, "gatehouse-audit-export");
            thread.setDaemon(true);
            return thread;
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** Queues an export of [from, to), optionally of one API or consumer; returns its job at once. */
    public Job start(Instant from, Instant to, String apiId, String consumerId, ExportWriter.Format format, String startedBy) {
        Job job = new Job(UUID.randomUUID().toString(), from, to, apiId, consumerId, format, startedBy);
        jobs.put(job.id, job);
        try {
            pool.execute(() -> run(job));
        } catch (RejectedExecutionException e) {
            jobs.remove(job.id);
            throw new Busy();
        }
        LOG.infof("audit export %s of [%s, %s) api=%s consumer=%s as %s started by %s", job.id, from, to, apiId, consumerId,
                job.format(), startedBy);
        forgetOldest();
        return job;
    }

    private void run(Job job) {
        job.state = State.RUNNING;
        try {
            AuditExports.Export export = exports.export(job.id, job.from, job.to, job.apiId, job.consumerId, job.format, job);
            job.manifest = export.manifest();
            job.written = export.manifest().count();
            job.state = State.DONE;
            LOG.infof("audit export %s done: %d records", job.id, job.written);
        } catch (Exception e) {
            job.failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            job.state = State.FAILED;
            LOG.errorf(e, "audit export %s failed", job.id);
        } finally {
            job.finishedAt = Instant.now();
        }
    }

    /** The job by id, or one rebuilt from its files; null when there is neither. */
    public Job find(String id) throws IOException {
        Job job = jobs.get(id);
        if (job != null) {
            return job;
        }
        AuditExports.Export export = exports.find(id);
        return export == null ? null : Job.finished(export);
    }

    /** The export's files once it is done; null otherwise. */
    public AuditExports.Export files(String id) throws IOException {
        Job job = jobs.get(id);
        if (job != null && job.state != State.DONE) {
            return null;
        }
        return exports.find(id);
    }

    /** Jobs this control plane remembers, newest first. */
    public List<Job> recent(int max) {
        return jobs.values().stream().sorted(Comparator.comparing(Job::startedAt).reversed()).limit(max).toList();
    }

    private void forgetOldest() {
        if (jobs.size() <= REMEMBERED) {
            return;
        }
        jobs.values().stream().filter(Job::finished).sorted(Comparator.comparing(Job::startedAt))
                .limit(jobs.size() - REMEMBERED).forEach(j -> jobs.remove(j.id));
    }
}
