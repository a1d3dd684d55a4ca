package io.gatehouse.management.billing;

import io.gatehouse.billing.rating.Money;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** What the finance view and the admin API read: charges per month, the projection, events, revenue by month. */
@ApplicationScoped
public class FinanceService {

    /** A month's charges with totals per currency. */
    public record MonthCharges(String month, boolean sentToStripe, Map<String, Totals> totals, List<ChargeRow> rows) {
    }

    /** Sums in one currency, in minor units, with their display. */
    public record Totals(String currency, long base, long overage, long total, String baseDisplay, String overageDisplay,
                         String totalDisplay, long usedUnits, long overageUnits) {
        static Totals of(String currency, List<ChargeRow> rows) {
            long base = rows.stream().mapToLong(ChargeRow::baseAmount).sum();
            long overage = rows.stream().mapToLong(ChargeRow::overageAmount).sum();
            long total = rows.stream().mapToLong(ChargeRow::total).sum();
            return new Totals(currency, base, overage, total, new Money(currency, base).format(), new Money(currency, overage).format(),
                    new Money(currency, total).format(), rows.stream().mapToLong(ChargeRow::usedUnits).sum(),
                    rows.stream().mapToLong(ChargeRow::overageUnits).sum());
        }
    }

    /** One month of the revenue chart. */
    public record MonthRevenue(String month, Map<String, Totals> totals) {
    }

    @Inject
    Charges charges;
    @Inject
    BillingState state;
    @Inject
    Pool pool;

    public Uni<MonthCharges> month(YearMonth month, UUID consumerId) {
        return charges.month(month, consumerId).map(rows -> new MonthCharges(month.toString(), state.stripeEnabled(), totals(rows), rows));
    }

    /** The projected invoice: every subscription's period running now, rated on its usage so far. */
    public Uni<MonthCharges> projection(UUID consumerId) {
        Instant now = Instant.now();
        return charges.current(now, consumerId).map(rows -> new MonthCharges(BillingPeriods.of(now).toString(), state.stripeEnabled(), totals(rows), rows));
    }

    /** Revenue and overage by month, oldest first, ending with {@code last}. */
    public Uni<List<MonthRevenue>> revenue(YearMonth last, int months) {
        Uni<List<MonthRevenue>> chain = Uni.createFrom().item(new ArrayList<>());
        for (int i = months - 1; i >= 0; i--) {
            YearMonth m = last.minusMonths(i);
            chain = chain.chain(list -> charges.month(m, null).map(rows -> {
                list.add(new MonthRevenue(m.toString(), totals(rows)));
                return list;
            }));
        }
        return chain;
    }

    public Uni<List<OutboxEvent>> events(YearMonth month, OutboxState state, UUID consumerId, int limit) {
        return pool.preparedQuery("""
                        select o.*, c.username from meter_event_outbox o left join consumers c on c.id = o.consumer_id
                        where o.event_time >= $1 and o.event_time < $2 and ($3::text is null or o.state = $3) and ($4::uuid is null or o.consumer_id = $4)
                        order by o.created_at desc, o.identifier limit $5""")
                .execute(Tuple.of(BillingPeriods.start(month).atOffset(ZoneOffset.UTC), BillingPeriods.end(month).atOffset(ZoneOffset.UTC),
                        state == null ? null : state.name(), consumerId, limit))
                .map(rows -> {
                    List<OutboxEvent> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new OutboxEvent(r.getString("identifier"), r.getUUID("consumer_id").toString(), r.getString("username"),
                                r.getUUID("subscription_id").toString(), r.getOffsetDateTime("period_start").toInstant(), r.getLong("sequence"),
                                r.getLong("units"), r.getOffsetDateTime("event_time").toInstant(), OutboxState.valueOf(r.getString("state")),
                                r.getInteger("attempts"), r.getBoolean("stale"), r.getString("error_code"), r.getString("error_message"),
                                r.getOffsetDateTime("created_at").toInstant(),
                                r.getOffsetDateTime("acknowledged_at") == null ? null : r.getOffsetDateTime("acknowledged_at").toInstant()));
                    }
                    return out;
                });
    }

    static Map<String, Totals> totals(List<ChargeRow> rows) {
        Map<String, List<ChargeRow>> byCurrency = new TreeMap<>();
        rows.forEach(r -> byCurrency.computeIfAbsent(r.currency(), c -> new ArrayList<>()).add(r));
        Map<String, Totals> out = new LinkedHashMap<>();
        byCurrency.forEach((currency, list) -> out.put(currency, Totals.of(currency, list)));
        return out;
    }

    /** The month's charges as CSV: one line per subscription and period, amounts in minor units and as decimals. */
    public static String csv(MonthCharges month) {
        StringBuilder out = new StringBuilder("month,consumer_id,consumer,subscription_id,application,api,plan,quota_mode,period_start,period_end,"
                + "currency,used_units,included_units,overage_units,base_minor,overage_minor,total_minor,total,sent_to_stripe\r\n");
        for (ChargeRow r : month.rows()) {
            out.append(String.join(",", month.month(), r.consumerId(), cell(r.consumer()), r.subscriptionId(), cell(r.application()), cell(r.api()),
                    cell(r.plan()), r.quotaMode(), r.periodStart().toString(), r.periodEnd().toString(), r.currency(), Long.toString(r.usedUnits()),
                    Long.toString(r.includedUnits()), Long.toString(r.overageUnits()), Long.toString(r.baseAmount()), Long.toString(r.overageAmount()),
                    Long.toString(r.total()), new java.math.BigDecimal(java.math.BigInteger.valueOf(r.total()), Money.exponent(r.currency())).toPlainString(),
                    Boolean.toString(r.sent()))).append("\r\n");
        }
        return out.toString();
    }

    /**
     * RFC 4180 quoting, and a leading ' before =, +, - or @ so a spreadsheet never runs a consumer's name as a formula.
     */
    static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
