package io.gatehouse.management.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.management.GatehouseConfig;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns the state of the database into versioned config snapshots and hands each new one to the connected nodes.
 *
 * <p>Every admin change asks for a publish; requests that arrive while one runs are folded into the next, so a
 * burst of changes costs a few builds, not one each. A build reads all four sections in <em>one</em> SQL statement,
 * so the snapshot is consistent (no subscription to an API the same snapshot lacks), under a transaction-scoped
 * advisory lock so that several control plane instances never hand out the same version twice. Content that has
 * not changed gets no new version.
 */
@ApplicationScoped
public class ConfigPublisher {
    private static final Logger LOG = Logger.getLogger(ConfigPublisher.class);
    private static final long PUBLISH_LOCK = 0x6761746568L; // "gateh"
    private static final String ISO_UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";
    private static final String SNAPSHOT_SQL = """
            select
              (select coalesce(json_agg(x order by x.id), '[]'::json) from (
                 select id::text as id, name, version, host, base_path as "basePath", strip_base_path as "stripBasePath",
                        targets::json as targets, key_header as "keyHeader", connect_timeout_ms as "connectTimeoutMs",
                        read_timeout_ms as "readTimeoutMs", status, upstream_policy::json as "upstreamPolicy",
                        canary::json as canary, shadow::json as shadow,
                        case when pass_through then null else operations::json end as operations,
                        case when allow_encoded_slashes then true end as "allowEncodedSlashes"
                 from apis where status in ('PUBLISHED', 'DEPRECATED')) x)::text as apis,
              (select coalesce(json_agg(x order by x.id), '[]'::json) from (
                 select id::text as id, name, rate_per_second as "ratePerSecond", burst, monthly_quota as "monthlyQuota",
                        quota_mode as "quotaMode", failure_mode as "failureMode"
                 from plans) x)::text as plans,
              (select coalesce(json_agg(x order by x.id), '[]'::json) from (
                 select k.id::text as id, k.key_hash as "keyHash", k.application_id::text as "applicationId",
                        a.consumer_id::text as "consumerId",
                        to_char(k.expires_at at time zone 'UTC', %s) as "expiresAt"
                 from api_keys k join applications a on a.id = k.application_id
                 where k.revoked_at is null and (k.expires_at is null or k.expires_at > $1)) x)::text as keys,
              (select coalesce(json_agg(x order by x.id), '[]'::json) from (
                 select s.id::text as id, s.application_id::text as "applicationId", s.api_id::text as "apiId",
                        s.plan_id::text as "planId",
                        to_char(s.billing_anchor at time zone 'UTC', %s) as "billingAnchor"
                 from subscriptions s join apis p on p.id = s.api_id
                 where s.status = 'ACTIVE' and p.status in ('PUBLISHED', 'DEPRECATED')) x)::text as subscriptions,
              (select version from config_publications order by version desc limit 1) as latest_version,
              (select hash from config_publications order by version desc limit 1) as latest_hash
            """.formatted(ISO_UTC, ISO_UTC);

    @Inject
    Pool pool;
    @Inject
    Vertx vertx;
    @Inject
    GatehouseConfig config;
    @Inject
    NodeRegistry nodes;

    private final ConcurrentSkipListMap<Long, ConfigSnapshot> retained = new ConcurrentSkipListMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean dirty = new AtomicBoolean();
    private volatile ConfigSnapshot current;
    private volatile SnapshotIndex index = SnapshotIndex.of(null);
    private volatile List<ConfigProblem> problems = List.of();
    /** When the oldest change not yet in a published version was asked for; null when everything is published. */
    private final java.util.concurrent.atomic.AtomicReference<Instant> unpublishedSince = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Failure failing;

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

    public PublishingHealth health() {
        Failure failure = failing;
        Instant since = unpublishedSince.get();
        return failure == null
                ? new PublishingHealth(true, since, null, 0, null)
                : new PublishingHealth(since == null, since, failure.since(), failure.attempts(), failure.reason());
    }

    void onStart(@Observes StartupEvent event) {
        loadRetained().subscribe().with(
                loaded -> {
                    LOG.infof("config: %d retained versions, current %s", loaded, current == null ? "none" : current.version());
                    requestPublish();
                },
                failure -> {
                    LOG.errorf("config: cannot load published versions: %s", failure.toString());
                    requestPublish();
                });
    }

    /** The snapshot nodes should hold now; null until the first publish. */
    public ConfigSnapshot current() {
        return current;
    }

    /** Subscriptions and plans of the current snapshot by id: what leases are granted against. */
    public SnapshotIndex index() {
        return index;
    }

    /** A retained snapshot by version, to compute a delta from; null when it is no longer kept. */
    public ConfigSnapshot retained(long version) {
        return retained.get(version);
    }

    /** Asks for a publish after a change; returns at once. */
    public void requestPublish() {
        unpublishedSince.compareAndSet(null, Instant.now());
        dirty.set(true);
        drain();
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
        // Changes asked for from here on may miss this build's read; they keep their own time.
        Instant covered = unpublishedSince.getAndSet(null);
        publishOnce().subscribe().with(
                published -> {
                    failing = null;
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

    private Uni<ConfigSnapshot> publishOnce() {
        Instant now = Instant.now();
        OffsetDateTime keysValidAfter = now.minus(config.sync().expiredKeyGrace()).atOffset(ZoneOffset.UTC);
        return pool.withTransaction(connection -> connection.preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(PUBLISH_LOCK))
                        .chain(() -> connection.preparedQuery(SNAPSHOT_SQL).execute(Tuple.of(keysValidAfter)))
                        .chain(rows -> {
                            Row row = rows.iterator().next();
                            List<ConfigProblem> found = new ArrayList<>();
                            List<ApiDefinition> apis = readRows(row, "apis", ApiDefinition.class, found);
                            List<PlanDefinition> plans = readRows(row, "plans", PlanDefinition.class, found);
                            List<KeyGrant> keys = readRows(row, "keys", KeyGrant.class, found);
                            List<SubscriptionGrant> subscriptions = withoutSkippedDependencies(
                                    readRows(row, "subscriptions", SubscriptionGrant.class, found), apis, plans, found);
                            reportProblems(found);
                            ConfigSnapshot content = ConfigSnapshot.of(0, now, apis, plans, keys, subscriptions);
                            Long latestVersion = row.getLong("latest_version");
                            if (latestVersion != null && content.hash().equals(row.getString("latest_hash"))) {
                                return latest(connection, latestVersion);
                            }
                            long version = latestVersion == null ? 1 : latestVersion + 1;
                            return insert(connection, content.withVersion(version, now));
                        }))
                .invoke(this::install);
    }

    private Uni<ConfigSnapshot> latest(SqlConnection connection, long version) {
        ConfigSnapshot known = retained.get(version);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return connection.preparedQuery("select snapshot from config_publications where version = $1").execute(Tuple.of(version))
                .map(rows -> Json.read(rows.iterator().next().getString("snapshot"), ConfigSnapshot.class));
    }

    private Uni<ConfigSnapshot> insert(SqlConnection connection, ConfigSnapshot snapshot) {
        return connection.preparedQuery("insert into config_publications (version, hash, snapshot, published_at) values ($1, $2, $3, $4)")
                .execute(Tuple.of(snapshot.version(), snapshot.hash(), Json.write(snapshot), snapshot.publishedAt().atOffset(ZoneOffset.UTC)))
                .chain(() -> connection.preparedQuery("delete from config_publications where version <= $1")
                        .execute(Tuple.of(snapshot.version() - config.sync().retainedVersions())))
                .invoke(() -> LOG.infof("config: published version %d (%s), %d APIs, %d keys, %d subscriptions", snapshot.version(),
                        snapshot.hash().substring(0, 12), snapshot.apis().size(), snapshot.keys().size(), snapshot.subscriptions().size()))
                .replaceWith(snapshot);
    }

    private void install(ConfigSnapshot snapshot) {
        retained.put(snapshot.version(), snapshot);
        while (retained.size() > Math.max(1, config.sync().retainedVersions())) {
            retained.pollFirstEntry();
        }
        ConfigSnapshot previous = current;
        if (previous == null || snapshot.version() >= previous.version()) {
            current = snapshot;
            index = SnapshotIndex.of(snapshot);
        }
        nodes.broadcast(current, this);
    }

    private Uni<Integer> loadRetained() {
        return pool.preparedQuery("select version, snapshot from config_publications order by version desc limit $1")
                .execute(Tuple.of(Math.max(1, config.sync().retainedVersions())))
                .map(rows -> {
                    for (Row row : rows) {
                        ConfigSnapshot snapshot = Json.read(row.getString("snapshot"), ConfigSnapshot.class);
                        retained.put(snapshot.version(), snapshot);
                    }
                    Map.Entry<Long, ConfigSnapshot> last = retained.lastEntry();
                    current = last == null ? null : last.getValue();
                    index = SnapshotIndex.of(current);
                    return rows.size();
                });
    }

    /**
     * One section's rows. A row that cannot be read (a date no client can parse, say) is left out and reported, so
     * one bad row never stops every other change from reaching the gateways.
     */
    private static <T> List<T> readRows(Row row, String column, Class<T> type, List<ConfigProblem> problems) {
        JsonNode array;
        try {
            array = Json.mapper().readTree(row.getString(column));
        } catch (Exception e) {
            throw new IllegalStateException("config: cannot read " + column + " from the database: " + e.getMessage(), e);
        }
        List<T> out = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            try {
                out.add(Json.mapper().treeToValue(element, type));
            } catch (Exception e) {
                String reason = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
                problems.add(new ConfigProblem(column, element.path("id").asText(null), "cannot be published: " + reason));
            }
        }
        return out;
    }

    /** A subscription to an API or under a plan that was left out is left out too: gateways refuse dangling ones. */
    private static List<SubscriptionGrant> withoutSkippedDependencies(List<SubscriptionGrant> subscriptions, List<ApiDefinition> apis,
                                                                      List<PlanDefinition> plans, List<ConfigProblem> problems) {
        Set<String> skipped = new HashSet<>();
        problems.forEach(p -> skipped.add(p.id()));
        if (skipped.isEmpty()) {
            return subscriptions;
        }
        List<SubscriptionGrant> kept = new ArrayList<>();
        for (SubscriptionGrant s : subscriptions) {
            if (skipped.contains(s.apiId()) || skipped.contains(s.planId())) {
                problems.add(new ConfigProblem("subscriptions", s.id(), "left out: its API or plan cannot be published"));
            } else {
                kept.add(s);
            }
        }
        return kept;
    }

    private void reportProblems(List<ConfigProblem> found) {
        List<ConfigProblem> previous = problems;
        problems = List.copyOf(found);
        if (!found.isEmpty() && !found.equals(previous)) {
            found.forEach(p -> LOG.errorf("config: %s %s left out of the published config: %s", p.section(), p.id(), p.error()));
        }
    }

    /** Rows the last build had to leave out, with the reason; empty when everything was published. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    /** A row of the database that is not in the published config, and why. */
    public record ConfigProblem(String section, String id, String error) {
    }
}
