package io.gatehouse.management.usage;

import io.gatehouse.management.plans.PlanEntity;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Usage")
public class UsageResource {

    public record UsageRow(Instant hour, String subscriptionId, String applicationId, String apiId, String planId, long admitted,
                           long refused) {
    }

    public record ConsumerUsage(String consumerId, Instant from, Instant to, long admitted, long refused, List<UsageRow> rows) {
    }

    /**
     * A subscription's quota in a period. {@code used} counts admitted requests; for a SOFT quota, {@code overage}
     * is what was used beyond the quota, the amount billed.
     */
    public record QuotaStatus(String subscriptionId, String planId, Instant periodStart, Instant periodEnd, Long quota,
                              String quotaMode, long used, long overage, long granted) {
    }

    @Inject
    Pool pool;
    @Inject
    io.gatehouse.management.apis.TeamScope teams;

    @GET
    @Path("/consumers/{id}/usage")
    @WithSession
    @Operation(summary = "A consumer's usage per hour, application, API and plan, in [from, to) (default: this calendar month)")
    public Uni<ConsumerUsage> consumerUsage(@PathParam("id") String id, @QueryParam("from") String from, @QueryParam("to") String to) {
        QuotaPeriod month = QuotaPeriod.containing(Instant.now(), null);
        Instant start = instant("from", from, month.start());
        Instant end = instant("to", to, month.end());
        if (!start.isBefore(end)) {
            throw io.gatehouse.management.http.AdminError.VALIDATION_FAILED.with("from must be before to");
        }
        return io.gatehouse.management.consumers.ConsumerService.find(id).chain(consumer -> pool.preparedQuery("""
                        select hour, subscription_id, application_id, api_id, plan_id, admitted, refused from usage_hourly
                        where consumer_id = $1 and hour >= $2 and hour < $3 order by hour, subscription_id, plan_id""")
                .execute(Tuple.of(consumer.id, start.atOffset(ZoneOffset.UTC), end.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    List<UsageRow> out = new ArrayList<>();
                    long admitted = 0;
                    long refused = 0;
                    for (Row r : rows) {
                        UsageRow row = new UsageRow(r.getOffsetDateTime("hour").toInstant(), r.getUUID("subscription_id").toString(),
                                r.getUUID("application_id").toString(), r.getUUID("api_id").toString(), r.getUUID("plan_id").toString(),
                                r.getLong("admitted"), r.getLong("refused"));
                        admitted += row.admitted();
                        refused += row.refused();
                        out.add(row);
                    }
                    return new ConsumerUsage(id, start, end, admitted, refused, out);
                }));
    }

    @GET
    @Path("/subscriptions/{id}/quota")
    @WithSession
    @Operation(summary = "A subscription's quota, use and overage in the period containing 'at' (default: now)")
    public Uni<QuotaStatus> quota(@PathParam("id") String id, @QueryParam("at") String at) {
        Instant when = instant("at", at, Instant.now());
        io.gatehouse.management.apis.TeamScope.Scope scope = teams.current();
        // Another team's subscription is answered 404, as everywhere else in the admin API.
        return io.gatehouse.management.subscriptions.SubscriptionService.find(id)
                .call(s -> scope.requireApi(s.apiId, "subscription", id)).chain(subscription -> PlanEntity.<PlanEntity>findById(subscription.planId).chain(plan -> {
            QuotaPeriod period = QuotaPeriod.containing(when, subscription.billingAnchor);
            Tuple args = Tuple.of(subscription.id, period.start().atOffset(ZoneOffset.UTC), period.end().atOffset(ZoneOffset.UTC));
            return pool.preparedQuery("""
                            select coalesce((select sum(admitted) from usage_hourly
                                             where subscription_id = $1 and hour >= $2 and hour < $3), 0) as used,
                                   coalesce((select granted from quota_ledger where subscription_id = $1 and period_start = $2), 0) as granted""")
                    .execute(args)
                    .map(rows -> {
                        Row row = rows.iterator().next();
                        long used = row.getLong("used");
                        Long quota = plan.monthlyQuota;
                        boolean soft = plan.quotaMode != null && plan.quotaMode.name().equals("SOFT");
                        long overage = quota != null && soft ? Math.max(0, used - quota) : 0;
                        return new QuotaStatus(subscription.id.toString(), plan.id.toString(), period.start(), period.end(), quota,
                                plan.quotaMode == null ? null : plan.quotaMode.name(), used, overage, row.getLong("granted"));
                    });
        }));
    }

    private static Instant instant(String name, String value, Instant fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw io.gatehouse.management.http.AdminError.VALIDATION_FAILED.with(name + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }
}
