package io.gatehouse.management.sync;

import io.gatehouse.management.GatehouseConfig;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.Changes;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigHash;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.Identified;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.sync.ControlMessage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Cursor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Publishes the config log to the gateway nodes.
 *
 * <p>Writes append entries to {@code config_log} from database triggers, in their own transactions (see the V15
 * migration). Publishing <em>numbers</em> the entries not yet numbered, in commit order, under a transaction-scoped
 * advisory lock so that several control plane instances never hand out a version twice; each entry's version is a
 * config version and carries the content hash after it ({@link ConfigHash}: the sum of the live entries' hashes,
 * updated by subtracting what an entity contributed before and adding what it contributes now). The cost of a
 * change is the change: nothing reads, holds or hashes the whole configuration.
 *
 * <p>Every instance then <em>follows</em> the log from what it has seen to the head, in bounded steps, keeping its
 * index of plans and subscriptions up to date and handing each step to its nodes as one delta. Instances learn of
 * entries numbered elsewhere by polling the head twice a second, which also picks up rows changed by hand in SQL.
 * A node that is new, or behind the log's horizon, is streamed a full snapshot read from one consistent database
 * snapshot, a bounded chunk at a time.
 */
@ApplicationScoped
public class ConfigPublisher {
    private static final Logger LOG = Logger.getLogger(ConfigPublisher.class);
    private static final long PUBLISH_LOCK = 0x6761746568L; // "gateh"
    /** Entries numbered per transaction: bounds a publish's memory and lock time whatever was written at once. */
    static final int PUBLISH_BATCH = 5_000;
    /** Versions per delta sent to nodes, and entries per snapshot chunk. */
    static final int MESSAGE_ENTRIES = 5_000;
    private static final String HEAD_SQL = "select version, content_hash, published_at, apis, plans, keys, subscriptions, horizon from config_log_head";
    private static final String LIVE_SQL = """
            select section, payload from (
              select distinct on (section, entity_id) section, entity_id, payload from config_log
              where version is not null and section = any($1) order by section, entity_id, version desc) latest
            where payload is not null""";

    @Inject
    Pool pool;
    @Inject
    Vertx vertx;
    @Inject
    GatehouseConfig config;
    @Inject
    NodeRegistry nodes;

    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final SnapshotIndex index = new SnapshotIndex();
    private volatile ConfigHead head = new ConfigHead(0, ConfigSnapshot.empty().hash(), Instant.EPOCH, 0, 0, 0, 0, 0);
    /** The version up to which this instance has followed the log (its index, and what it offered its nodes). */
    private volatile long followed = -1;
    /** When the oldest change not yet in a published version was asked for; null when everything is published. */
    private final AtomicReference<Instant> unpublishedSince = new AtomicReference<>();
    private volatile Failure failing;
    private volatile long pollTimer = -1;
    private volatile long maintenanceTimer = -1;
    private volatile boolean stopped;
    private static final String NOTIFY_CHANNEL = "gatehouse_config";

    /** Publishing has failed since {@code since}, {@code attempts} times in a row; the last time for {@code reason}. */
    private record Failure(Instant since, int attempts, String reason) {
    }

    /**
     * Whether the changes made through this instance reach the gateways.
     *
     * @param healthy               false while a change waits for a publish that keeps failing
     * @param unpublishedSince      when the oldest change not in any published version was made; null if none
     * @param failingSince          when the failing publishes began; null when the last one succeeded
     * @param failedAttempts        failed publishes in a row
     * @param lastError             why the last publish failed
     */
    public record PublishingHealth(boolean healthy, Instant unpublishedSince, Instant failingSince, int failedAttempts,
                                   String lastError) {
    }

    /** A row of the database that is not in the published config, and why. */
    public record ConfigProblem(String section, String id, String error) {
    }

    public PublishingHealth health() {
        Failure failure = failing;
        Instant since = unpublishedSince.get();
        return failure == null
                ? new PublishingHealth(true, since, null, 0, null)
                : new PublishingHealth(since == null, since, failure.since(), failure.attempts(), failure.reason());
    }

    void onStart(@Observes StartupEvent event) {
        requestPublish();
        listen();
        pollTimer = vertx.setPeriodic(500, id -> poll());
        long maintenanceMs = Math.max(1_000, config.sync().maintenanceInterval().toMillis());
        maintenanceTimer = vertx.setPeriodic(maintenanceMs, id -> maintain());
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        vertx.cancelTimer(pollTimer);
        vertx.cancelTimer(maintenanceTimer);
    }

    /** The log's head as this instance last read it. */
    public ConfigHead head() {
        return head;
    }

    /** Published plans and subscriptions by id: what leases are granted against. */
    public SnapshotIndex index() {
        return index;
    }

    /** The version this instance has followed the log to: what it has offered its nodes. */
    long followed() {
        return followed;
    }

    /** Asks for a publish after a change; returns at once. */
    public void requestPublish() {
        unpublishedSince.compareAndSet(null, Instant.now());
        dirty.set(true);
        drain();
    }

    /**
     * Hears at once when another instance numbers entries (it notifies on commit), so its changes reach this
     * instance's nodes in milliseconds; the poll stays as the fallback while the listening connection is down.
     */
    private void listen() {
        if (stopped) {
            return;
        }
        pool.getConnection().subscribe().with(connection -> {
            io.vertx.mutiny.pgclient.PgConnection pg = io.vertx.mutiny.pgclient.PgConnection.cast(connection);
            pg.notificationHandler(notification -> {
                dirty.set(true);
                drain();
            });
            pg.closeHandler(() -> {
                if (!stopped) {
                    vertx.setTimer(1000, id -> listen());
                }
            });
            pg.query("listen " + NOTIFY_CHANNEL).execute().subscribe().with(
                    ok -> LOG.debugf("config: listening for versions numbered by other instances"),
                    failure -> {
                        LOG.warnf("config: cannot listen for other instances (%s); polling only", failure.toString());
                        connection.close().subscribe().with(v -> { }, e -> { });
                    });
        }, failure -> vertx.setTimer(1000, id -> listen()));
    }

    /** Looks for entries written or numbered elsewhere (another instance, or SQL by hand). */
    private void poll() {
        if (running.get()) {
            return;
        }
        pool.query("select (select version from config_log_head) as head, exists (select 1 from config_log where version is null) as pending")
                .execute()
                .subscribe().with(rows -> {
                    Row row = rows.iterator().next();
                    if (row.getBoolean("pending") || row.getLong("head") != followed) {
                        dirty.set(true);
                        drain();
                    }
                }, failure -> LOG.debugf("config: poll failed: %s", failure.toString()));
    }

    private void drain() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        if (!dirty.getAndSet(false)) {
            running.set(false);
            if (dirty.get()) {
                drain();
            }
            return;
        }
        // Changes asked for from here on may miss this round's read; they keep their own time.
        Instant covered = unpublishedSince.getAndSet(null);
        cycle().subscribe().with(
                more -> {
                    failing = null;
                    if (more) {
                        dirty.set(true);
                    }
                    running.set(false);
                    drain();
                },
                failure -> {
                    if (covered != null && !unpublishedSince.compareAndSet(null, covered)) {
                        unpublishedSince.updateAndGet(later -> later == null || covered.isBefore(later) ? covered : later);
                    }
                    Failure previous = failing;
                    failing = new Failure(previous == null ? Instant.now() : previous.since(),
                            previous == null ? 1 : previous.attempts() + 1, String.valueOf(failure));
                    running.set(false);
                    LOG.errorf("config: publish failed (%s); retrying in 1 s", failure.toString());
                    vertx.setTimer(1000, id -> requestPublish());
                });
    }

    /** Follows the log, numbers what is new, follows again. True when more entries wait than one round numbers. */
    private Uni<Boolean> cycle() {
        Uni<Void> ready = followed < 0 ? loadIndex().invoke(() -> nodes.offer(this)) : follow();
        return ready.chain(this::number).call(count -> follow());
    }

    // ---------------------------------------------------------------- numbering

    private record Pending(long id, ConfigSection section, String entityId, String payload) {
        String key() {
            return section.wireName() + "/" + entityId;
        }
    }

    /** Numbers up to {@link #PUBLISH_BATCH} entries; true when there may be more. */
    private Uni<Boolean> number() {
        return pool.withTransaction(connection -> connection.preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(PUBLISH_LOCK))
                .chain(() -> connection.preparedQuery("select id, section, entity_id, payload from config_log where version is null "
                        + "order by txid, id limit $1").execute(Tuple.of(PUBLISH_BATCH)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    List<Pending> pending = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        pending.add(new Pending(row.getLong("id"), ConfigSection.ofWireName(row.getString("section")),
                                row.getString("entity_id"), row.getString("payload")));
                    }
                    boolean full = pending.size() == PUBLISH_BATCH;
                    return connection.query(HEAD_SQL + " for update").execute()
                            .chain(headRows -> previousHashes(connection, pending)
                                    .chain(previous -> stamp(connection, readHead(headRows.iterator().next()), pending, previous)))
                            .replaceWith(full);
                }));
    }

    /** What each pending entity contributes to the content hash now: its latest numbered entry's hash. */
    private Uni<Map<String, byte[]>> previousHashes(SqlConnection connection, List<Pending> pending) {
        String[] sections = new String[pending.size()];
        String[] ids = new String[pending.size()];
        for (int i = 0; i < pending.size(); i++) {
            sections[i] = pending.get(i).section().wireName();
            ids[i] = pending.get(i).entityId();
        }
        return connection.preparedQuery("""
                        select distinct on (l.section, l.entity_id) l.section, l.entity_id, l.entry_hash
                        from config_log l join (select distinct s, e from unnest($1::text[], $2::text[]) as u(s, e)) wanted
                          on l.section = wanted.s and l.entity_id = wanted.e
                        where l.version is not null
                        order by l.section, l.entity_id, l.version desc""")
                .execute(Tuple.of(sections, ids))
                .map(rows -> {
                    Map<String, byte[]> previous = new HashMap<>();
                    for (Row row : rows) {
                        io.vertx.mutiny.core.buffer.Buffer hash = row.getBuffer("entry_hash");
                        previous.put(row.getString("section") + "/" + row.getString("entity_id"), hash == null ? null : hash.getBytes());
                    }
                    return previous;
                });
    }

    private Uni<Void> stamp(SqlConnection connection, ConfigHead before, List<Pending> pending, Map<String, byte[]> previous) {
        ConfigHash content = ConfigHash.parse(before.hash());
        EnumMap<ConfigSection, Long> counts = new EnumMap<>(ConfigSection.class);
        counts.put(ConfigSection.APIS, before.apis());
        counts.put(ConfigSection.PLANS, before.plans());
        counts.put(ConfigSection.KEYS, before.keys());
        counts.put(ConfigSection.SUBSCRIPTIONS, before.subscriptions());
        // Liveness of APIs and plans as of each entry, for subscriptions numbered in the same batch.
        Map<String, Boolean> liveInBatch = new HashMap<>();
        long version = before.version();
        Instant now = Instant.now();
        List<Long> ids = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        List<Buffer> entryHashes = new ArrayList<>();
        List<String> contentHashes = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Long> unchanged = new ArrayList<>();
        for (Pending entry : pending) {
            Identified value = null;
            String problem = null;
            if (entry.payload() != null) {
                try {
                    value = Json.mapper().readValue(entry.payload(), entry.section().type());
                } catch (Exception e) {
                    String reason = e instanceof com.fasterxml.jackson.core.JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
                    problem = "cannot be published: " + reason;
                }
            }
            if (value instanceof SubscriptionGrant s && !(live(liveInBatch, "apis/" + s.apiId(), index.apiIds().contains(s.apiId()))
                    && live(liveInBatch, "plans/" + s.planId(), index.plans().containsKey(s.planId())))) {
                value = null;
                problem = "left out: its API or plan cannot be published";
            }
            byte[] after = value == null ? null : ConfigHash.entry(entry.section(), value);
            byte[] was = previous.get(entry.key());
            if (entry.section() == ConfigSection.APIS || entry.section() == ConfigSection.PLANS) {
                liveInBatch.put(entry.key(), after != null);
            }
            if (Arrays.equals(was, after) && problem == null) {
                // Content that has not changed gets no new version.
                unchanged.add(entry.id());
                continue;
            }
            content.replace(was, after);
            counts.merge(entry.section(), (after == null ? 0L : 1L) - (was == null ? 0L : 1L), Long::sum);
            previous.put(entry.key(), after);
            version++;
            ids.add(entry.id());
            versions.add(version);
            entryHashes.add(after == null ? null : Buffer.buffer(after));
            contentHashes.add(content.hex());
            payloads.add(value == null ? null : Json.write(value));
            problems.add(problem);
            if (problem != null) {
                LOG.errorf("config: %s %s left out of the published config: %s", entry.section().wireName(), entry.entityId(), problem);
            }
        }
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        long last = version;
        Uni<Void> numbered = ids.isEmpty() ? Uni.createFrom().voidItem() : connection.preparedQuery("""
                        update config_log l set version = u.version, entry_hash = u.entry_hash, content_hash = u.content_hash,
                               payload = u.payload, problem = u.problem, published_at = $7
                        from unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::text[], $5::text[], $6::text[])
                             as u(id, version, entry_hash, content_hash, payload, problem)
                        where l.id = u.id""")
                .execute(Tuple.tuple(List.of(ids.toArray(Long[]::new), versions.toArray(Long[]::new), entryHashes.toArray(Buffer[]::new),
                        contentHashes.toArray(String[]::new), payloads.toArray(String[]::new), problems.toArray(String[]::new), at)))
                .chain(() -> connection.preparedQuery("update config_log_head set version = $1, content_hash = $2, published_at = $3, "
                                + "apis = $4, plans = $5, keys = $6, subscriptions = $7")
                        .execute(Tuple.tuple(List.of(last, content.hex(), at, counts.get(ConfigSection.APIS), counts.get(ConfigSection.PLANS),
                                counts.get(ConfigSection.KEYS), counts.get(ConfigSection.SUBSCRIPTIONS)))))
                // Delivered when this transaction commits, to every instance listening.
                .chain(() -> connection.preparedQuery("select pg_notify('" + NOTIFY_CHANNEL + "', $1)").execute(Tuple.of(String.valueOf(last))))
                .invoke(() -> LOG.infof("config: published versions %d..%d (%s), %d changes", before.version() + 1, last,
                        content.hex().substring(0, 12), ids.size()))
                .replaceWithVoid();
        Uni<Void> dropped = unchanged.isEmpty() ? Uni.createFrom().voidItem()
                : connection.preparedQuery("delete from config_log where id = any($1)").execute(Tuple.of(unchanged.toArray(Long[]::new)))
                .replaceWithVoid();
        return numbered.chain(() -> dropped);
    }

    private static boolean live(Map<String, Boolean> inBatch, String key, boolean published) {
        Boolean batch = inBatch.get(key);
        return batch == null ? published : batch;
    }

    // ---------------------------------------------------------------- following

    /** Reads the head and the published APIs, plans and subscriptions, from one database snapshot. */
    private Uni<Void> loadIndex() {
        return pool.withTransaction(connection -> connection.query("set transaction isolation level repeatable read").execute()
                .chain(() -> connection.query(HEAD_SQL).execute())
                .chain(headRows -> {
                    ConfigHead read = readHead(headRows.iterator().next());
                    return connection.preparedQuery(LIVE_SQL).execute(Tuple.of((Object) new String[]{"apis", "plans", "subscriptions"}))
                            .invoke(rows -> {
                                index.clear();
                                for (Row row : rows) {
                                    ConfigSection section = ConfigSection.ofWireName(row.getString("section"));
                                    Identified value = Json.read(row.getString("payload"), section.type());
                                    index.apply(section, value.id(), value);
                                }
                                head = read;
                                followed = read.version();
                                LOG.infof("config: at version %d (%s): %d APIs, %d plans, %d keys, %d subscriptions", read.version(),
                                        read.hash().substring(0, 12), read.apis(), read.plans(), read.keys(), read.subscriptions());
                            });
                }))
                .replaceWithVoid();
    }

    /** Follows the log from {@link #followed} to the head, offering each step to the nodes. */
    private Uni<Void> follow() {
        return pool.query(HEAD_SQL).execute().chain(rows -> {
            ConfigHead read = readHead(rows.iterator().next());
            head = read;
            if (followed >= read.version()) {
                return Uni.createFrom().voidItem();
            }
            if (followed < read.horizon()) {
                // Compacted past what this instance has seen: start over from a snapshot of the index.
                LOG.infof("config: followed version %d is behind the log's horizon %d; reloading", followed, read.horizon());
                return loadIndex().invoke(() -> nodes.offer(this));
            }
            return followStep(read.version());
        });
    }

    private Uni<Void> followStep(long target) {
        long from = followed;
        if (from >= target) {
            return Uni.createFrom().voidItem();
        }
        long to = Math.min(target, from + MESSAGE_ENTRIES);
        return readDelta(pool, from, to).chain(delta -> {
            if (delta == null) {
                return loadIndex().invoke(() -> nodes.offer(this));
            }
            applyToIndex(delta);
            followed = to;
            String text = Json.write(new ControlMessage.Delta(delta));
            nodes.broadcast(from, delta, text, this);
            return followStep(target);
        });
    }

    private void applyToIndex(ConfigDelta delta) {
        delta.apis().upsert().forEach(api -> index.apply(ConfigSection.APIS, api.id(), api));
        delta.apis().remove().forEach(id -> index.apply(ConfigSection.APIS, id, null));
        delta.plans().upsert().forEach(plan -> index.apply(ConfigSection.PLANS, plan.id(), plan));
        delta.plans().remove().forEach(id -> index.apply(ConfigSection.PLANS, id, null));
        delta.subscriptions().upsert().forEach(s -> index.apply(ConfigSection.SUBSCRIPTIONS, s.id(), s));
        delta.subscriptions().remove().forEach(id -> index.apply(ConfigSection.SUBSCRIPTIONS, id, null));
    }

    /** The delta from {@code from} to {@code to}; null when entries after {@code from} have been compacted away. */
    Uni<ConfigDelta> readDelta(long from, long to) {
        return readDelta(pool, from, to);
    }

    private static Uni<ConfigDelta> readDelta(Pool pool, long from, long to) {
        return pool.preparedQuery("""
                        select section, entity_id, payload, version, content_hash, published_at,
                               (select horizon from config_log_head) as horizon
                        from config_log where version > $1 and version <= $2 order by version""")
                .execute(Tuple.of(from, to))
                .map(rows -> {
                    Map<String, Identified> changed = new LinkedHashMap<>();
                    Map<String, ConfigSection> sections = new HashMap<>();
                    String hash = null;
                    Instant publishedAt = null;
                    long last = -1;
                    for (Row row : rows) {
                        if (row.getLong("horizon") > from) {
                            return null;
                        }
                        ConfigSection section = ConfigSection.ofWireName(row.getString("section"));
                        String id = row.getString("entity_id");
                        String key = section.wireName() + "/" + id;
                        String payload = row.getString("payload");
                        changed.remove(key);
                        changed.put(key, payload == null ? null : Json.read(payload, section.type()));
                        sections.put(key, section);
                        last = row.getLong("version");
                        hash = row.getString("content_hash");
                        publishedAt = row.getOffsetDateTime("published_at").toInstant();
                    }
                    if (last != to) {
                        // Missing versions: compacted since the horizon was read.
                        return null;
                    }
                    return toDelta(from, to, hash, publishedAt, changed, sections);
                });
    }

    @SuppressWarnings("unchecked")
    private static ConfigDelta toDelta(long from, long to, String hash, Instant publishedAt, Map<String, Identified> changed,
                                       Map<String, ConfigSection> sections) {
        EnumMap<ConfigSection, List<Identified>> upserts = new EnumMap<>(ConfigSection.class);
        EnumMap<ConfigSection, List<String>> removals = new EnumMap<>(ConfigSection.class);
        for (ConfigSection section : ConfigSection.values()) {
            upserts.put(section, new ArrayList<>());
            removals.put(section, new ArrayList<>());
        }
        changed.forEach((key, value) -> {
            ConfigSection section = sections.get(key);
            if (value == null) {
                removals.get(section).add(key.substring(section.wireName().length() + 1));
            } else {
                upserts.get(section).add(value);
            }
        });
        return new ConfigDelta(from, to, hash, publishedAt,
                new Changes<>((List<ApiDefinition>) (List<?>) upserts.get(ConfigSection.APIS), removals.get(ConfigSection.APIS)),
                new Changes<>((List<PlanDefinition>) (List<?>) upserts.get(ConfigSection.PLANS), removals.get(ConfigSection.PLANS)),
                new Changes<>((List<KeyGrant>) (List<?>) upserts.get(ConfigSection.KEYS), removals.get(ConfigSection.KEYS)),
                new Changes<>((List<SubscriptionGrant>) (List<?>) upserts.get(ConfigSection.SUBSCRIPTIONS), removals.get(ConfigSection.SUBSCRIPTIONS)));
    }

    /** The content hash at {@code version} if the log still holds that version, else null. */
    Uni<String> hashAt(long version) {
        return pool.preparedQuery("select content_hash from config_log where version = $1 and version > (select horizon from config_log_head)")
                .execute(Tuple.of(version))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("content_hash"));
    }

    // ---------------------------------------------------------------- snapshots

    /** What a full snapshot was sent at. */
    record Sent(long version, String hash) {
    }

    /**
     * Streams the whole config, read from one database snapshot, to {@code send}: one {@link ControlMessage.Snapshot}
     * when it fits in one chunk, else {@link ControlMessage.SnapshotChunk}s, each sent only once the previous one
     * has been written, so memory holds one chunk whatever the size of the config.
     */
    Uni<Sent> streamSnapshot(Function<String, Uni<Void>> send) {
        return streams().run(() -> pool.withTransaction(connection -> connection.query("set transaction isolation level repeatable read").execute()
                .chain(() -> connection.query(HEAD_SQL).execute())
                .chain(headRows -> {
                    ConfigHead at = readHead(headRows.iterator().next());
                    return connection.prepare(LIVE_SQL).chain(statement -> {
                        Cursor cursor = statement.cursor(Tuple.of((Object) new String[]{"apis", "plans", "subscriptions", "keys"}));
                        return PartStream.run(sequence -> cursor.read(MESSAGE_ENTRIES).map(rows -> {
                                    boolean last = !cursor.hasMore();
                                    return new PartStream.Part(snapshotText(rows, at, sequence, last), last);
                                }), send)
                                .call(() -> cursor.close())
                                .replaceWith(new Sent(at.version(), at.hash()));
                    });
                })));
    }

    private StreamPermits streams() {
        StreamPermits current = streams;
        if (current == null) {
            synchronized (this) {
                if (streams == null) {
                    streams = new StreamPermits(config.sync().maxSnapshotStreams());
                }
                current = streams;
            }
        }
        return current;
    }

    private volatile StreamPermits streams;

    /**
     * A streamed snapshot's part, its entries spliced in as the log stores them: they were validated and written as
     * JSON when numbered, and reading a million of them into objects only to write them out again would cost the
     * control plane most of a snapshot's time. A config that fits in one part goes as one {@link ControlMessage.Snapshot},
     * any other as {@link ControlMessage.SnapshotChunk}s; both envelopes hold the same four sections of entries.
     */
    private static String snapshotText(RowSet<Row> rows, ConfigHead at, int sequence, boolean last) {
        StringBuilder apis = new StringBuilder();
        StringBuilder plans = new StringBuilder();
        StringBuilder keys = new StringBuilder();
        StringBuilder subscriptions = new StringBuilder();
        for (Row row : rows) {
            StringBuilder into = switch (ConfigSection.ofWireName(row.getString("section"))) {
                case APIS -> apis;
                case PLANS -> plans;
                case KEYS -> keys;
                case SUBSCRIPTIONS -> subscriptions;
            };
            if (!into.isEmpty()) {
                into.append(',');
            }
            into.append(row.getString("payload"));
        }
        StringBuilder text = new StringBuilder(apis.length() + plans.length() + keys.length() + subscriptions.length() + 256);
        boolean whole = sequence == 0 && last;
        text.append(whole ? "{\"type\":\"snapshot\",\"snapshot\":{" : "{\"type\":\"snapshot-chunk\",");
        text.append("\"version\":").append(at.version())
                .append(",\"hash\":").append(Json.write(at.hash()))
                .append(",\"publishedAt\":").append(Json.write(at.publishedAt()));
        if (!whole) {
            text.append(",\"sequence\":").append(sequence).append(",\"last\":").append(last);
        }
        return text.append(",\"apis\":[").append(apis)
                .append("],\"plans\":[").append(plans)
                .append("],\"keys\":[").append(keys)
                .append("],\"subscriptions\":[").append(subscriptions)
                .append(whole ? "]}}" : "]}").toString();
    }

    // ---------------------------------------------------------------- maintenance

    /**
     * Keeps the log bounded: entries older than the retained window go once a newer entry of the same entity
     * supersedes them, and removals go too (raising the horizon: nodes older than it get a snapshot). Keys expired
     * for longer than the grace period leave the config. Each round does a bounded amount of work.
     */
    private void maintain() {
        OffsetDateTime expiredBefore = Instant.now().minus(config.sync().expiredKeyGrace()).atOffset(ZoneOffset.UTC);
        long retained = Math.max(1, config.sync().retainedVersions());
        pool.withTransaction(connection -> connection.preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(PUBLISH_LOCK))
                        .chain(() -> connection.preparedQuery("""
                                insert into config_log (section, entity_id, payload)
                                select 'keys', k.id::text, null from api_keys k
                                where k.revoked_at is null and k.expires_at < $1
                                  and (select l.payload from config_log l where l.section = 'keys' and l.entity_id = k.id::text
                                       and l.version is not null order by l.version desc limit 1) is not null
                                limit 10000""").execute(Tuple.of(expiredBefore)))
                        .chain(expired -> connection.query(HEAD_SQL + " for update").execute()
                                .chain(rows -> compact(connection, readHead(rows.iterator().next()), retained))
                                .map(moved -> new int[]{expired.rowCount(), moved ? 1 : 0})))
                .subscribe().with(done -> {
                    if (done[0] > 0) {
                        LOG.infof("config: %d keys expired longer than the grace period leave the config", done[0]);
                        requestPublish();
                    } else if (done[1] > 0) {
                        // The horizon moved: read the head again, so catch-ups and /admin/config use the new one.
                        dirty.set(true);
                        drain();
                    }
                }, failure -> LOG.warnf("config: log maintenance failed: %s", failure.toString()));
    }

    /** True when the horizon moved. */
    private static Uni<Boolean> compact(SqlConnection connection, ConfigHead at, long retained) {
        long keepFrom = at.version() - retained;
        if (keepFrom <= at.horizon()) {
            return Uni.createFrom().item(false);
        }
        long to = Math.min(keepFrom, at.horizon() + 50_000);
        return connection.preparedQuery("""
                        with moving as (select section, entity_id, version, payload, problem from config_log where version > $1 and version <= $2)
                        delete from config_log l using moving m
                        where l.section = m.section and l.entity_id = m.entity_id and l.version is not null
                          and (l.version < m.version or (l.version = m.version and m.payload is null and m.problem is null))""")
                .execute(Tuple.of(at.horizon(), to))
                .call(() -> connection.preparedQuery("update config_log_head set horizon = $1").execute(Tuple.of(to)))
                .invoke(deleted -> LOG.debugf("config: compacted the log up to version %d (%d entries)", to, deleted.rowCount()))
                .replaceWith(true);
    }

    // ---------------------------------------------------------------- reading

    /** The entities whose latest entry could not be published, with the reason. */
    public Uni<List<ConfigProblem>> problems() {
        return pool.query("""
                        select p.section, p.entity_id, p.problem from config_log p
                        where p.problem is not null and p.version = (select max(l.version) from config_log l
                          where l.section = p.section and l.entity_id = p.entity_id and l.version is not null)
                        order by p.section, p.entity_id""")
                .execute()
                .map(rows -> {
                    List<ConfigProblem> out = new ArrayList<>();
                    rows.forEach(row -> out.add(new ConfigProblem(row.getString("section"), row.getString("entity_id"), row.getString("problem"))));
                    return out;
                });
    }

    private static ConfigHead readHead(Row row) {
        return new ConfigHead(row.getLong("version"), row.getString("content_hash"), row.getOffsetDateTime("published_at").toInstant(),
                row.getLong("apis"), row.getLong("plans"), row.getLong("keys"), row.getLong("subscriptions"), row.getLong("horizon"));
    }
}
