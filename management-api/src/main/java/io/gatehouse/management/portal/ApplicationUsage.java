package io.gatehouse.management.portal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.gatehouse.management.applications.ApplicationEntity;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What an application used, per API it is (or was lately) subscribed to: requests per day over the last 30 days
 * split by status class, and the quota used and left in the current period with the plan's rate limit, all read from
 * the usage counts the gateways report (the ones quotas are enforced and billed on), so the page works with audit off.
 * Three queries per page whatever the number of APIs.
 */
@ApplicationScoped
public class ApplicationUsage {
    static final int DAYS = 30;

    private static final String SUBSCRIPTIONS = """
            select distinct on (s.api_id) s.id, s.api_id, s.status, s.billing_anchor, a.name as api_name, a.version as api_version,
                   p.name as plan_name, p.rate_per_second, p.burst, p.monthly_quota, p.quota_mode
            from subscriptions s join apis a on a.id = s.api_id join plans p on p.id = s.plan_id
            where s.application_id = $1 and (s.status in ('PENDING', 'ACTIVE', 'SUSPENDED') or s.cancelled_at >= $2)
            order by s.api_id, s.created_at desc""";
    private static final String DAILY = """
            select api_id::text as api_id, (hour at time zone 'UTC')::date as day, sum(informational) as informational,
                   sum(success) as success, sum(redirect) as redirect, sum(client_error) as client_error, sum(server_error) as server_error
            from usage_hourly where application_id = $1 and api_id = any($2) and hour >= $3
            group by 1, 2""";
    private static final String USED = """
            select subscription_id, coalesce(sum(admitted), 0) as used from usage_hourly
            where subscription_id = any($1) and hour >= $2 and hour < $3 group by subscription_id""";

    @Inject
    Pool pool;

    /** Requests of one day (UTC) by status class. */
    public record Day(LocalDate day, long informational, long success, long redirect, long clientError, long serverError) {
        public long total() {
            return informational + success + redirect + clientError + serverError;
        }
    }

    public record Plan(String name, Long ratePerSecond, Long burst, Long monthlyQuota, String quotaMode) {
    }

    /** @param remaining null when the plan has no quota; never below zero (a SOFT quota's overage is {@code used - quota}) */
    public record Quota(Instant periodStart, Instant periodEnd, Long quota, long used, Long remaining) {
    }

    public record ApiUsage(String apiId, String apiName, String apiVersion, String subscriptionId, String subscriptionStatus,
                           Plan plan, Quota quota, long requests, List<Day> days,
                           @JsonIgnore io.gatehouse.management.charts.SvgChart chart) {
    }

    public record Report(String applicationId, String applicationName, LocalDate from, LocalDate to, List<ApiUsage> apis) {
    }

    public Uni<Report> of(ApplicationEntity app) {
        Instant now = Instant.now();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate first = today.minusDays(DAYS - 1);
        Instant from = first.atStartOfDay().toInstant(ZoneOffset.UTC);
        return pool.preparedQuery(SUBSCRIPTIONS).execute(Tuple.of(app.id, from.atOffset(ZoneOffset.UTC))).chain(subRows -> {
            List<Row> subs = new ArrayList<>();
            subRows.forEach(subs::add);
            if (subs.isEmpty()) {
                return Uni.createFrom().item(new Report(app.id.toString(), app.name, first, today, List.of()));
            }
            String[] apiIds = subs.stream().map(r -> r.getUUID("api_id").toString()).toArray(String[]::new);
            // Each subscription's own period (calendar month, or from its billing anchor); one query with the widest span.
            Map<UUID, QuotaPeriod> periods = new HashMap<>();
            Instant earliest = now;
            Instant latest = now;
            for (Row r : subs) {
                Instant anchor = r.getOffsetDateTime("billing_anchor") == null ? null : r.getOffsetDateTime("billing_anchor").toInstant();
                QuotaPeriod period = QuotaPeriod.containing(now, anchor);
                periods.put(r.getUUID("id"), period);
                earliest = period.start().isBefore(earliest) ? period.start() : earliest;
                latest = period.end().isAfter(latest) ? period.end() : latest;
            }
            UUID[] subscriptionIds = periods.keySet().toArray(UUID[]::new);
            Instant spanStart = earliest;
            Instant spanEnd = latest;
            return pool.preparedQuery(DAILY).execute(Tuple.of(app.id, java.util.Arrays.stream(apiIds).map(UUID::fromString).toArray(UUID[]::new),
                            from.atOffset(ZoneOffset.UTC)))
                    .chain(daily -> usedPerSubscription(subscriptionIds, periods, spanStart, spanEnd)
                            .map(used -> report(app, first, today, subs, periods, daily, used)));
        });
    }

    /** Admitted requests of each subscription in its own current period. */
    private Uni<Map<UUID, Long>> usedPerSubscription(UUID[] ids, Map<UUID, QuotaPeriod> periods, Instant start, Instant end) {
        boolean samePeriod = periods.values().stream().distinct().count() == 1;
        if (samePeriod) {
            return pool.preparedQuery(USED).execute(Tuple.of(ids, start.atOffset(ZoneOffset.UTC), end.atOffset(ZoneOffset.UTC)))
                    .map(rows -> {
                        Map<UUID, Long> used = new HashMap<>();
                        rows.forEach(r -> used.put(r.getUUID("subscription_id"), r.getLong("used")));
                        return used;
                    });
        }
        // Anchored periods differ: ask per hour and keep each subscription's own period.
        return pool.preparedQuery("select subscription_id, hour, admitted from usage_hourly where subscription_id = any($1) and hour >= $2 and hour < $3")
                .execute(Tuple.of(ids, start.atOffset(ZoneOffset.UTC), end.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    Map<UUID, Long> used = new HashMap<>();
                    for (Row r : rows) {
                        UUID id = r.getUUID("subscription_id");
                        if (periods.get(id).contains(r.getOffsetDateTime("hour").toInstant())) {
                            used.merge(id, r.getLong("admitted"), Long::sum);
                        }
                    }
                    return used;
                });
    }

    private static Report report(ApplicationEntity app, LocalDate first, LocalDate today, List<Row> subs, Map<UUID, QuotaPeriod> periods,
                                 Iterable<Row> daily, Map<UUID, Long> used) {
        Map<String, Map<LocalDate, long[]>> counts = new HashMap<>();
        for (Row r : daily) {
            counts.computeIfAbsent(r.getString("api_id"), k -> new HashMap<>()).put(r.getLocalDate("day"), new long[] {
                    r.getLong("informational"), r.getLong("success"), r.getLong("redirect"), r.getLong("client_error"), r.getLong("server_error")});
        }
        List<ApiUsage> apis = new ArrayList<>();
        for (Row s : subs) {
            String apiId = s.getUUID("api_id").toString();
            Map<LocalDate, long[]> perDay = counts.getOrDefault(apiId, Map.of());
            List<Day> days = new ArrayList<>();
            long requests = 0;
            for (LocalDate d = first; !d.isAfter(today); d = d.plusDays(1)) {
                long[] c = perDay.getOrDefault(d, new long[5]);
                Day day = new Day(d, c[0], c[1], c[2], c[3], c[4]);
                requests += day.total();
                days.add(day);
            }
            UUID subscriptionId = s.getUUID("id");
            QuotaPeriod period = periods.get(subscriptionId);
            Long quota = s.getLong("monthly_quota");
            long spent = used.getOrDefault(subscriptionId, 0L);
            Plan plan = new Plan(s.getString("plan_name"), s.getLong("rate_per_second"), s.getLong("burst"), quota, s.getString("quota_mode"));
            apis.add(new ApiUsage(apiId, s.getString("api_name"), s.getString("api_version"), subscriptionId.toString(),
                    s.getString("status"), plan, new Quota(period.start(), period.end(), quota, spent, quota == null ? null : Math.max(0, quota - spent)),
                    requests, days,
                    UsageChart.of(apiId, s.getString("api_name"), s.getString("api_version"), requests, days)));
        }
        apis.sort(java.util.Comparator.comparing((ApiUsage u) -> u.apiName().toLowerCase(java.util.Locale.ROOT)).thenComparing(ApiUsage::apiVersion));
        return new Report(app.id.toString(), app.name, first, today, apis);
    }
}
