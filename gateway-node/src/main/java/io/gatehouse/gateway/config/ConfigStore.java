package io.gatehouse.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.Changes;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.Identified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The node's last good configuration on disk, so that a node restarted while the control plane is down serves: a
 * snapshot plus the deltas applied since, as a database keeps a checkpoint and a write-ahead log.
 *
 * <ul>
 *   <li>{@code config/snapshot.bin}: the snapshot in the compact form {@link SnapshotFile} describes (keys as fixed
 *   records, other entries as their canonical JSON, a CRC32C over the whole), so that a million keys load in about
 *   the time it takes to read them. Written to a temporary file as it streams in, forced to disk and renamed over the
 *   old one: a crash leaves one or the other, never a mix. A damaged or truncated file is refused whole, and the node
 *   waits for the control plane instead.</li>
 *   <li>{@code config/log.jsonl}: one line per applied delta (the delta's JSON, which names its version and content
 *   hash; entries holding fields this release does not know written whole, {@link NewerFields}), appended and
 *   forced before the node acknowledges it. A line cut short by a crash is ignored and cut off
 *   at the next start.</li>
 *   <li>When the log holds more than a bound of changed entries, it is set aside ({@code log-compacting.jsonl}) and a
 *   background thread merges it into a new snapshot (old snapshot streamed record by record, changed entries
 *   replaced), without touching the live configuration or holding up deltas.</li>
 *   <li>Older copies are read once and rewritten in this form: {@code config/snapshot.jsonl} (a JSON header line,
 *   then one {@code <section>\t<canonical JSON>} line per entry, format {@code gatehouse-config/1}) with its log, and
 *   the single-file {@code config-snapshot.json} before it.</li>
 * </ul>
 *
 * Blocking file I/O: the config thread calls it, never an event loop.
 */
public final class ConfigStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);
    /** The JSON-lines snapshot of earlier releases, read once and rewritten. */
    private static final String JSON_LINES_FORMAT = "gatehouse-config/1";
    /** Marks an entry a compacted log removes. */
    private static final Object REMOVED = new Object();
    private final Path dir;
    private final Path legacy;
    private final Path jsonLines;
    private final Path snapshot;
    private final Path log;
    private final Path compacting;
    private final long compactAfterEntries;
    private final ExecutorService compactor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-config-compactor");
        t.setDaemon(true);
        return t;
    });
    /** Bumped by every new snapshot: a compaction started before one must not overwrite it. */
    private final Object files = new Object();
    private long generation;
    private FileChannel logChannel;
    private long loggedEntries;
    private volatile boolean compacting_;
    private volatile long compactions;

    public ConfigStore(Path dataDir, long compactAfterEntries) {
        this.dir = dataDir.resolve("config");
        this.legacy = dataDir.resolve("config-snapshot.json");
        this.jsonLines = dir.resolve("snapshot.jsonl");
        this.snapshot = dir.resolve("snapshot.bin");
        this.log = dir.resolve("log.jsonl");
        this.compacting = dir.resolve("log-compacting.jsonl");
        this.compactAfterEntries = compactAfterEntries;
    }

    public Path file() {
        return snapshot;
    }

    public Path logFile() {
        return log;
    }

    /** How many compactions have finished since start (for tests and status). */
    public long compactions() {
        return compactions;
    }

    // ---- snapshots ----

    /** Starts writing a new snapshot; the old one (and its log) stays the disk copy until {@link SnapshotWriter#commit()}. */
    public SnapshotWriter startSnapshot(long version, String hash, Instant publishedAt, int keysHint) throws IOException {
        Files.createDirectories(dir);
        return new SnapshotWriter(dir.resolve("snapshot.bin.tmp"), version, hash, publishedAt);
    }

    public void save(ConfigSnapshot whole) throws IOException {
        save(whole, NewerFields.NONE);
    }

    /** Writes a snapshot as the disk copy, its entries that hold fields this release does not know kept whole. */
    public void save(ConfigSnapshot whole, NewerFields newer) throws IOException {
        try (SnapshotWriter writer = startSnapshot(whole.version(), whole.hash(), whole.publishedAt(), whole.keys().size())) {
            for (var api : whole.apis()) writer.write(ConfigSection.APIS, api, newer.of(ConfigSection.APIS, api.id()));
            for (var plan : whole.plans()) writer.write(ConfigSection.PLANS, plan, newer.of(ConfigSection.PLANS, plan.id()));
            for (var subscription : whole.subscriptions()) {
                writer.write(ConfigSection.SUBSCRIPTIONS, subscription, newer.of(ConfigSection.SUBSCRIPTIONS, subscription.id()));
            }
            for (var key : whole.keys()) writer.write(ConfigSection.KEYS, key, newer.of(ConfigSection.KEYS, key.id()));
            writer.commit();
        }
    }

    /** Writes what a configuration holds as the disk copy, at its version and hash. */
    public void save(ActiveConfig config) throws IOException {
        try (SnapshotWriter writer = startSnapshot(config.version(), config.hash(), config.publishedAt(), config.keys().size())) {
            try {
                config.forEachEntry((section, entry) -> {
                    try {
                        writer.write(section, entry, config.newerFields(section, ((Identified) entry).id()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            writer.commit();
        }
    }

    /** A snapshot being written, entry by entry, in any order. */
    public final class SnapshotWriter implements AutoCloseable {
        private final Path tmp;
        private final FileChannel channel;
        private final SnapshotFile.Writer out;
        private boolean committed;

        SnapshotWriter(Path tmp, long version, String hash, Instant publishedAt) throws IOException {
            this.tmp = tmp;
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            this.out = new SnapshotFile.Writer(channel, version, hash, publishedAt);
        }

        public void write(ConfigSection section, Object entry) throws IOException {
            out.write(section, entry);
        }

        /**
         * Writes an entry; one that holds fields this release does not know ({@code canonicalJson} not null) is
         * written as that JSON, so that the disk copy keeps it whole.
         */
        public void write(ConfigSection section, Object entry, byte[] canonicalJson) throws IOException {
            if (canonicalJson == null) {
                out.write(section, entry);
            } else {
                out.entry(section, canonicalJson);
            }
        }

        /** Forces the snapshot to disk and makes it the disk copy; the log of the previous one is dropped. */
        public void commit() throws IOException {
            out.finish();
            channel.force(true);
            channel.close();
            synchronized (files) {
                generation++;
                move(tmp, snapshot);
                closeLog();
                Files.deleteIfExists(log);
                Files.deleteIfExists(compacting);
                Files.deleteIfExists(jsonLines);
                Files.deleteIfExists(legacy);
                loggedEntries = 0;
            }
            committed = true;
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                channel.close();
                Files.deleteIfExists(tmp);
            }
        }
    }

    // ---- the log ----

    /** Appends an applied delta and forces it to disk; sets the log aside for compaction once it has grown enough. */
    public void append(ConfigDelta delta) throws IOException {
        append(delta, NewerFields.NONE);
    }

    /** As {@link #append(ConfigDelta)}; entries of the delta that hold fields this release does not know are logged whole. */
    public void append(ConfigDelta delta, NewerFields newer) throws IOException {
        if (logChannel == null) {
            Files.createDirectories(dir);
            logChannel = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        byte[] json = newer.deltaJson(delta);
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (line.hasRemaining()) {
            logChannel.write(line);
        }
        logChannel.force(false);
        loggedEntries += size(delta);
        if (loggedEntries >= compactAfterEntries && !compacting_) {
            compactInBackground();
        }
    }

    private void compactInBackground() throws IOException {
        long gen;
        synchronized (files) {
            if (!Files.isRegularFile(snapshot) || Files.exists(compacting)) {
                return;
            }
            closeLog();
            move(log, compacting);
            loggedEntries = 0;
            gen = generation;
        }
        startCompaction(gen);
    }

    /** Merges the set-aside log into a new snapshot on the compactor thread; a failure leaves both files as they are. */
    private void startCompaction(long gen) {
        compacting_ = true;
        compactor.execute(() -> {
            try {
                compact(gen);
            } catch (IOException | RuntimeException e) {
                LOG.warn("compacting the config log failed ({}); the snapshot and log stay as they are", e.toString());
            } finally {
                compacting_ = false;
            }
        });
    }

    /**
     * Merges the set-aside log into a new snapshot: the deltas' last state of each entry they touched is kept in
     * memory (bounded by the compaction threshold), the old snapshot is streamed through record by record.
     */
    private void compact(long gen) throws IOException {
        long start = System.nanoTime();
        Map<String, Object> changed = new HashMap<>();
        ConfigDelta last = null;
        for (byte[] line : completeLines(compacting).lines) {
            NewerFields.Read<ConfigDelta> read = NewerFields.read(line, ConfigDelta.class);
            ConfigDelta delta = read.message();
            collect(changed, ConfigSection.APIS, delta.apis(), read.newer());
            collect(changed, ConfigSection.PLANS, delta.plans(), read.newer());
            collect(changed, ConfigSection.KEYS, delta.keys(), read.newer());
            collect(changed, ConfigSection.SUBSCRIPTIONS, delta.subscriptions(), read.newer());
            last = delta;
        }
        if (last == null) {
            return;
        }
        Path tmp = dir.resolve("snapshot.bin.compacting");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            SnapshotFile.Writer out = new SnapshotFile.Writer(channel, last.version(), last.hash(), last.publishedAt());
            try {
                SnapshotFile.read(snapshot, header -> new SnapshotFile.Sink() {
                    @Override
                    public void key(long[] hash, long idHi, long idLo, long expiresMicros, String applicationId, String consumerId) {
                        String id = new UUID(idHi, idLo).toString();
                        try {
                            if (!replaced(out, changed, ConfigSection.KEYS, id)) {
                                out.key(hash, idHi, idLo, expiresMicros, applicationId, consumerId);
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public void entry(ConfigSection section, byte[] canonicalJson) {
                        try {
                            String id = Json.mapper().readTree(canonicalJson).path("id").asText();
                            if (!replaced(out, changed, section, id)) {
                                out.entry(section, canonicalJson);
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
                for (Map.Entry<String, Object> added : changed.entrySet()) {
                    if (added.getValue() != REMOVED) {
                        write(out, ConfigSection.ofWireName(added.getKey().substring(0, added.getKey().indexOf('\t'))), added.getValue());
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            out.finish();
            channel.force(true);
        }
        synchronized (files) {
            if (generation != gen) {
                Files.deleteIfExists(tmp); // a newer snapshot arrived meanwhile: it supersedes this one
                return;
            }
            move(tmp, snapshot);
            Files.deleteIfExists(compacting);
        }
        compactions++;
        LOG.info("config log compacted into snapshot version {} in {} ms", last.version(), (System.nanoTime() - start) / 1_000_000);
    }

    /** Writes the log's last state of an entry in place of the snapshot's (nothing if removed); false if the log left it alone. */
    private static boolean replaced(SnapshotFile.Writer out, Map<String, Object> changed, ConfigSection section, String id) throws IOException {
        String key = section.wireName() + '\t' + id;
        if (!changed.containsKey(key)) {
            return false;
        }
        Object replacement = changed.remove(key);
        if (replacement != REMOVED) {
            write(out, section, replacement);
        }
        return true;
    }

    /** A record, or the canonical JSON of an entry that holds fields this release does not know. */
    private static void write(SnapshotFile.Writer out, ConfigSection section, Object entry) throws IOException {
        if (entry instanceof byte[] canonicalJson) {
            out.entry(section, canonicalJson);
        } else {
            out.write(section, entry);
        }
    }

    private static <T extends Identified> void collect(Map<String, Object> changed, ConfigSection section, Changes<T> changes,
                                                       NewerFields newer) {
        if (changes == null) {
            return;
        }
        changes.remove().forEach(id -> changed.put(section.wireName() + '\t' + id, REMOVED));
        changes.upsert().forEach(item -> {
            byte[] whole = newer.of(section, item.id());
            changed.put(section.wireName() + '\t' + item.id(), whole != null ? whole : item);
        });
    }

    private static long size(ConfigDelta delta) {
        return count(delta.apis()) + count(delta.plans()) + count(delta.keys()) + count(delta.subscriptions());
    }

    private static long count(Changes<?> changes) {
        return changes == null ? 0 : changes.upsert().size() + changes.remove().size();
    }

    // ---- loading ----

    /**
     * The configuration on disk: the snapshot, then every logged delta after it. A log line cut short (a crash while
     * appending) or one that cannot be applied ends the replay, and the log is cut back to what was applied, so the
     * next append starts on a clean line. A node upgraded in place finds an older copy instead (JSON lines, or the
     * single file before it), serves it and rewrites it once in the current form.
     */
    public Optional<ActiveConfig> load(UpstreamHealth health) throws IOException {
        if (!Files.isRegularFile(snapshot)) {
            return Files.isRegularFile(jsonLines) ? loadJsonLines(health) : loadLegacy(health);
        }
        long started = System.nanoTime();
        ActiveConfig.Builder[] building = new ActiveConfig.Builder[1];
        SnapshotFile.Header header = SnapshotFile.read(snapshot, h -> {
            ActiveConfig.Builder builder = new ActiveConfig.Builder(health, (int) Math.min(Integer.MAX_VALUE / 4, h.keys())).trustingHash();
            building[0] = builder;
            return new SnapshotFile.Sink() {
                @Override
                public void key(long[] hash, long idHi, long idLo, long expiresMicros, String applicationId, String consumerId) {
                    builder.key(hash, idHi, idLo, expiresMicros, applicationId, consumerId);
                }

                @Override
                public void entry(ConfigSection section, byte[] canonicalJson) {
                    NewerFields.Entry read = NewerFields.readEntry(section, canonicalJson);
                    if (read.newer()) {
                        builder.entryWithNewerFields(section, read.record(), canonicalJson);
                    } else {
                        builder.entry(section, read.record());
                    }
                }
            };
        });
        long read = System.nanoTime();
        ActiveConfig config = building[0].build(header.version(), header.hash(), header.publishedAt());
        LOG.info("read snapshot version {} ({} keys, {} other entries) in {} ms, routes and checks {} ms", header.version(), header.keys(),
                header.others(), (read - started) / 1_000_000, (System.nanoTime() - read) / 1_000_000);
        replay(config, compacting, false);
        replay(config, log, true);
        if (Files.isRegularFile(compacting)) {
            // A compaction was cut short by a stop: finish it, so the set-aside log does not stay for good.
            long gen;
            synchronized (files) {
                gen = generation;
            }
            startCompaction(gen);
        }
        return Optional.of(config);
    }

    /** A copy in the JSON-lines form of earlier releases: every entry parsed and hashed, then rewritten in the current form. */
    private Optional<ActiveConfig> loadJsonLines(UpstreamHealth health) throws IOException {
        ActiveConfig config;
        try (BufferedReader in = Files.newBufferedReader(jsonLines, StandardCharsets.UTF_8)) {
            JsonNode header = Json.mapper().readTree(in.readLine());
            if (!JSON_LINES_FORMAT.equals(header.path("format").asText())) {
                throw new IOException(jsonLines + " is not a " + JSON_LINES_FORMAT + " snapshot");
            }
            // A snapshot that arrived in parts did not know its key count when its header was written: a key line
            // is about 220 bytes, so the file's size sizes the index without a rehash on the way.
            int keysHint = header.path("keys").asInt(0);
            if (keysHint <= 0) {
                keysHint = (int) Math.min(Integer.MAX_VALUE / 4, Files.size(jsonLines) / 220);
            }
            ActiveConfig.Builder builder = new ActiveConfig.Builder(health, keysHint);
            String line;
            while ((line = in.readLine()) != null) {
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    throw new IOException(jsonLines + " has a line without a section");
                }
                ConfigSection section = ConfigSection.ofWireName(line.substring(0, tab));
                byte[] json = line.substring(tab + 1).getBytes(StandardCharsets.UTF_8);
                NewerFields.Entry read = NewerFields.readEntry(section, json);
                if (read.newer()) {
                    builder.entryWithNewerFields(section, read.record(), json);
                } else {
                    builder.entry(section, read.record(), json);
                }
            }
            config = builder.build(header.path("version").asLong(), header.path("hash").asText(),
                    header.hasNonNull("publishedAt") ? Instant.parse(header.get("publishedAt").asText()) : Instant.EPOCH);
        }
        replay(config, compacting, false);
        replay(config, log, true);
        try {
            save(config);
            LOG.info("converted {} and its log to {} (version {})", jsonLines, snapshot, config.version());
        } catch (IOException e) {
            LOG.warn("could not rewrite {} as {} ({}); serving it, and converting again at the next start", jsonLines, snapshot, e.toString());
        }
        return Optional.of(config);
    }

    private void replay(ActiveConfig config, Path file, boolean appendable) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        Lines lines = completeLines(file);
        long applied = 0;
        long goodEnd = 0;
        int replayed = 0;
        for (int i = 0; i < lines.lines.size(); i++) {
            byte[] line = lines.lines.get(i);
            try {
                NewerFields.Read<ConfigDelta> read = NewerFields.read(line, ConfigDelta.class);
                ConfigDelta delta = read.message();
                if (delta.version() > config.version()) {
                    config.apply(delta, read.newer());
                    replayed++;
                    applied += size(delta);
                }
            } catch (Json.MalformedMessageException | InvalidConfigException e) {
                LOG.warn("config log {} line {} cannot be applied ({}); what follows it is ignored", file, i + 1, e.getMessage());
                break;
            }
            goodEnd = lines.ends.get(i);
        }
        if (goodEnd < Files.size(file)) {
            LOG.warn("config log {}: ignoring {} bytes after the last complete delta (a write cut short)", file, Files.size(file) - goodEnd);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(goodEnd);
                channel.force(true);
            }
        }
        if (appendable) {
            loggedEntries = applied;
        }
        if (replayed > 0) {
            LOG.info("replayed {} config deltas from {} (now version {})", replayed, file.getFileName(), config.version());
        }
    }

    private Optional<ActiveConfig> loadLegacy(UpstreamHealth health) throws IOException {
        if (!Files.isRegularFile(legacy)) {
            return Optional.empty();
        }
        ConfigSnapshot old = Json.read(Files.readAllBytes(legacy), ConfigSnapshot.class);
        // Its hash was the older whole-content digest; the content is what counts, and it is hashed the current way.
        ConfigSnapshot current = old.withHash(old.computeHash());
        ActiveConfig config = ActiveConfig.compile(current, health);
        save(current);
        LOG.info("converted {} to {} (version {})", legacy, snapshot, current.version());
        return Optional.of(config);
    }

    /** The lines of a file that end with a newline, and where each ends; a last line without one is left out. */
    private record Lines(java.util.List<byte[]> lines, java.util.List<Long> ends) {
    }

    private static Lines completeLines(Path file) throws IOException {
        java.util.List<byte[]> lines = new java.util.ArrayList<>();
        java.util.List<Long> ends = new java.util.ArrayList<>();
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            long position = 0;
            int b;
            while ((b = in.read()) >= 0) {
                position++;
                if (b == '\n') {
                    lines.add(current.toByteArray());
                    ends.add(position);
                    current.reset();
                } else {
                    current.write(b);
                }
            }
        }
        return new Lines(lines, ends);
    }

    /** The version a snapshot file of the current form holds, read from its header (after checking the file). */
    public static long snapshotVersion(Path file) throws IOException {
        return SnapshotFile.verify(file).version();
    }

    /** Reads a whole snapshot file in the wire format (standalone mode, GitOps). */
    public static Optional<ConfigSnapshot> readSnapshotFile(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        return Optional.of(Json.read(Files.readAllBytes(path), ConfigSnapshot.class));
    }

    private void closeLog() throws IOException {
        if (logChannel != null) {
            logChannel.close();
            logChannel = null;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void close() throws IOException {
        compactor.shutdown();
        try {
            compactor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (files) {
            closeLog();
        }
    }
}
