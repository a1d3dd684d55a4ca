package io.gatehouse.management.billing;

import io.gatehouse.billing.rating.Charge;
import io.gatehouse.billing.rating.Money;
import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.billing.rating.Rating;
import io.gatehouse.billing.rating.Tier;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Rates every priced subscription's period: the one figure finance, the portal, the overage sent to Stripe and the
 * reconciliation all start from. Two queries per month whatever the number of subscriptions: the subscriptions with
 * their plan's price versions, then their usage summed per period in one pass.
 */
@ApplicationScoped
public class Charges {

    /** A subscription with what rating it needs. */
    record Priced(UUID subscriptionId, UUID consumerId, String consumer, String email, String application, String api, UUID planId,
                  String plan, String quotaMode, String status, Instant createdAt, Instant closedAt, Instant anchor, List<Version> versions) {
    }

    record Version(int number, Instant effectiveFrom, Pricing pricing) {
    }

    @Inject
    Pool pool;
    @Inject
    BillingState state;

    /** Every priced subscription's period that starts in the month, rated; {@code consumerId} narrows to one consumer. */
    public Uni<List<ChargeRow>> month(YearMonth month, UUID consumerId) {
        return subscriptions(consumerId).chain(subs -> rate(subs, s -> BillingPeriods.startingIn(month, s.anchor())));
    }

    /** Every priced subscription's period running at {@code at} (the projected invoice when {@code at} is now). */
    public Uni<List<ChargeRow>> current(Instant at, UUID consumerId) {
        return subscriptions(consumerId).chain(subs -> rate(subs, s -> QuotaPeriod.containing(at, s.anchor())));
    }

    /** Periods of one subscription running at these instants (the overage meter looks at now and 8 days back). */
    Uni<List<ChargeRow>> periodsOf(List<Priced> subs, java.util.function.Function<Priced, QuotaPeriod> period) {
        return rate(subs, period);
    }

    Uni<List<Priced>> subscriptions(UUID consumerId) {
        return pool.preparedQuery("""
                        select s.id, a.consumer_id, c.username, c.email, a.name as application, api.name as api, p.id as plan_id,
                               p.name as plan, p.quota_mode, s.created_at, s.cancelled_at, s.billing_anchor, s.status,
                               array_agg(pp.version order by pp.version desc) as numbers,
                               array_agg(pp.effective_from order by pp.version desc) as froms,
                               array_agg(json_build_object('currency', pp.currency, 'base', pp.base_price, 'included', pp.included_units,
                                   'unit', pp.unit_price, 'per', pp.per, 'tiers', pp.tiers)::text order by pp.version desc) as prices
                        from subscriptions s
                        join applications a on a.id = s.application_id
                        join consumers c on c.id = a.consumer_id
                        join apis api on api.id = s.api_id
                        join plans p on p.id = s.plan_id
                        join plan_prices pp on pp.plan_id = p.id
                        where s.status in ('ACTIVE', 'SUSPENDED', 'CLOSED') and ($1::uuid is null or a.consumer_id = $1)
                        group by s.id, a.consumer_id, c.username, c.email, a.name, api.name, p.id, p.name, p.quota_mode,
                                 s.created_at, s.cancelled_at, s.billing_anchor, s.status""")
                .execute(Tuple.of(consumerId))
                .map(rows -> {
                    List<Priced> out = new ArrayList<>();
                    for (Row r : rows) {
                        Object[] froms = r.getArrayOfOffsetDateTimes("froms");
                        String[] prices = r.getArrayOfStrings("prices");
                        Integer[] numbers = r.getArrayOfIntegers("numbers");
                        List<Version> versions = new ArrayList<>();
                        for (int i = 0; i < froms.length; i++) {
                            versions.add(new Version(numbers[i], ((OffsetDateTime) froms[i]).toInstant(), pricing(prices[i])));
                        }
                        boolean closed = "CLOSED".equals(r.getString("status"));
                        out.add(new Priced(r.getUUID("id"), r.getUUID("consumer_id"), r.getString("username"), r.getString("email"),
                                r.getString("application"), r.getString("api"), r.getUUID("plan_id"), r.getString("plan"),
                                r.getString("quota_mode"), r.getString("status"), r.getOffsetDateTime("created_at").toInstant(),
                                closed && r.getOffsetDateTime("cancelled_at") != null ? r.getOffsetDateTime("cancelled_at").toInstant() : null,
                                r.getOffsetDateTime("billing_anchor") == null ? null : r.getOffsetDateTime("billing_anchor").toInstant(), versions));
                    }
                    return out;
                });
    }

    private Uni<List<ChargeRow>> rate(List<Priced> subs, java.util.function.Function<Priced, QuotaPeriod> periodOf) {
        List<Priced> live = new ArrayList<>();
        List<QuotaPeriod> periods = new ArrayList<>();
        for (Priced s : subs) {
            QuotaPeriod period = periodOf.apply(s);
            // A subscription made after the period or closed before it has nothing to pay for it.
            if (BillingPeriods.activeSeconds(period, s.createdAt(), s.closedAt()) > 0 && pricingOf(s, period) != null) {
                live.add(s);
                periods.add(period);
            }
        }
        if (live.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        UUID[] ids = live.stream().map(Priced::subscriptionId).toArray(UUID[]::new);
        OffsetDateTime[] starts = periods.stream().map(p -> p.start().atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new);
        OffsetDateTime[] ends = periods.stream().map(p -> p.end().atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new);
        boolean sent = state.stripeEnabled();
        return pool.preparedQuery("""
                        select p.sub, coalesce(sum(u.admitted), 0) as used
                        from unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) as p(sub, s, e)
                        left join usage_hourly u on u.subscription_id = p.sub and u.hour >= p.s and u.hour < p.e
                        group by p.sub""")
                .execute(Tuple.of(ids, starts, ends))
                .map(rows -> {
                    Map<UUID, Long> used = new HashMap<>();
                    rows.forEach(r -> used.put(r.getUUID("sub"), r.getLong("used")));
                    List<ChargeRow> out = new ArrayList<>();
                    for (int i = 0; i < live.size(); i++) {
                        Priced s = live.get(i);
                        QuotaPeriod period = periods.get(i);
                        Pricing pricing = pricingOf(s, period);
                        long periodSeconds = period.end().getEpochSecond() - period.start().getEpochSecond();
                        Charge charge = Rating.rate(pricing, "SOFT".equals(s.quotaMode()), used.getOrDefault(s.subscriptionId(), 0L),
                                BillingPeriods.activeSeconds(period, s.createdAt(), s.closedAt()), periodSeconds);
                        out.add(new ChargeRow(s.consumerId().toString(), s.consumer(), s.subscriptionId().toString(), s.application(), s.api(),
                                s.planId().toString(), s.plan(), s.quotaMode(), period.start(), period.end(), charge.currency(),
                                charge.usedUnits(), pricing.includedUnits(), charge.overageUnits(), charge.baseAmount(), charge.overageAmount(),
                                charge.total(), new Money(charge.currency(), charge.total()).format(), charge.lines(), sent && pricing.paid()));
                    }
                    out.sort(Comparator.comparing(ChargeRow::consumer).thenComparing(ChargeRow::api).thenComparing(ChargeRow::subscriptionId));
                    return out;
                });
    }

    /** The price of the version in effect when the period started; null when the plan had none yet (free then). */
    static Pricing pricingOf(Priced s, QuotaPeriod period) {
        Version v = versionOf(s, period);
        return v == null ? null : v.pricing();
    }

    /** The price version in effect when the period started; null when the plan had none yet. */
    static Version versionOf(Priced s, QuotaPeriod period) {
        for (Version v : s.versions()) {
            if (!v.effectiveFrom().isAfter(period.start())) {
                return v;
            }
        }
        return null;
    }

    private static Pricing pricing(String json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Json.read(json, Map.class);
        Object tiers = m.get("tiers");
        List<Tier> parsed = tiers == null ? List.of() : Arrays.asList(Json.read(tiers.toString(), Tier[].class));
        return new Pricing((String) m.get("currency"), number(m.get("base")), number(m.get("included")), number(m.get("unit")),
                number(m.get("per")), parsed);
    }

    private static long number(Object o) {
        return ((Number) o).longValue();
    }
}
