package io.gatehouse.management.portal;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The APIs a developer can subscribe to or still uses: published and deprecated ones, by name with their versions,
 * searchable by name, tag and description, each with the plans it offers. Two queries per page whatever the number
 * of APIs: the matching versions (with their latest document's description and tags), then their plans.
 */
@ApplicationScoped
public class Catalog {
    /** A catalog page lists at most this many API versions; the search narrows it. */
    static final int LIMIT = 200;

    private static final String APIS = """
            select a.id, a.name, a.version, a.base_path, a.status, a.sunset_at, d.description, coalesce(d.tags, '') as tags
            from apis a
            left join lateral (select description, tags from api_documents where api_id = a.id order by version desc limit 1) d on true
            where a.status in ('PUBLISHED', 'DEPRECATED')
              and ($1 = '' or a.name ilike $1 escape '\\' or coalesce(d.description, '') ilike $1 escape '\\'
                   or coalesce(d.tags, '') ilike $1 escape '\\')
            order by lower(a.name), a.version
            limit $2
            """;
    private static final String PLANS = """
            select o.api_id, p.name, p.rate_per_second, p.burst, p.monthly_quota, p.quota_mode
            from api_plans o join plans p on p.id = o.plan_id
            where o.api_id = any($1)
            order by p.name
            """;

    @Inject
    Pool pool;

    public record PlanOffer(String name, Long ratePerSecond, Long burst, Long monthlyQuota, String quotaMode) {
    }

    /** @param sunsetAt when a deprecated version stops being served, if its owner announced it (UTC) */
    public record Version(String id, String version, String basePath, boolean deprecated, java.time.LocalDate sunsetAt, String description,
                          List<String> tags, List<PlanOffer> plans) {
    }

    /** One API by name, with its versions in order. */
    public record Entry(String name, List<Version> versions) {
    }

    /** @param truncated whether more versions matched than a page shows */
    public record Page(String query, List<Entry> entries, int versions, boolean truncated) {
    }

    public Uni<Page> search(String query) {
        String q = query == null ? "" : query.strip();
        String pattern = q.isEmpty() ? "" : "%" + likeEscaped(q.toLowerCase(Locale.ROOT)) + "%";
        return pool.preparedQuery(APIS).execute(Tuple.of(pattern, LIMIT + 1)).chain(rows -> {
            List<Row> found = new ArrayList<>();
            rows.forEach(found::add);
            boolean truncated = found.size() > LIMIT;
            List<Row> shown = truncated ? found.subList(0, LIMIT) : found;
            UUID[] ids = shown.stream().map(r -> r.getUUID("id")).toArray(UUID[]::new);
            return pool.preparedQuery(PLANS).execute(Tuple.of(ids)).map(planRows -> {
                Map<UUID, List<PlanOffer>> plans = new LinkedHashMap<>();
                for (Row p : planRows) {
                    plans.computeIfAbsent(p.getUUID("api_id"), k -> new ArrayList<>()).add(new PlanOffer(p.getString("name"),
                            p.getLong("rate_per_second"), p.getLong("burst"), p.getLong("monthly_quota"), p.getString("quota_mode")));
                }
                Map<String, List<Version>> byName = new LinkedHashMap<>();
                for (Row r : shown) {
                    String tags = r.getString("tags");
                    byName.computeIfAbsent(r.getString("name"), k -> new ArrayList<>()).add(new Version(r.getUUID("id").toString(),
                            r.getString("version"), r.getString("base_path"), deprecated(r), sunset(r),
                            r.getString("description"), tags.isEmpty() ? List.of() : List.of(tags.split("\n")),
                            plans.getOrDefault(r.getUUID("id"), List.of())));
                }
                List<Entry> entries = new ArrayList<>();
                byName.forEach((name, versions) -> entries.add(new Entry(name, versions)));
                return new Page(q, entries, shown.size(), truncated);
            });
        });
    }

    private static boolean deprecated(Row r) {
        return "DEPRECATED".equals(r.getString("status"));
    }

    /** Shown for deprecated versions only: a re-published API's old announcement no longer holds. */
    private static java.time.LocalDate sunset(Row r) {
        var at = r.getOffsetDateTime("sunset_at");
        return at == null || !deprecated(r) ? null : at.atZoneSameInstant(java.time.ZoneOffset.UTC).toLocalDate();
    }

    /** The search is a substring, never a pattern: LIKE's own characters in it match themselves. */
    static String likeEscaped(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
