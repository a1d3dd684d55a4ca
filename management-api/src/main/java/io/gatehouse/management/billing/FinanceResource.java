package io.gatehouse.management.billing;

import io.gatehouse.management.http.AdminError;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;

/** Finance's admin API: charges, the projected invoice, meter events, reconciliation with Stripe, revenue by month. */
@Path("/admin/billing")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Billing")
public class FinanceResource {

    @Inject
    FinanceService finance;
    @Inject
    Reconciliation reconciliation;

    @GET
    @Path("/charges")
    @Operation(summary = "Charges of the periods that start in a month (default: this month), per subscription, with totals per currency")
    public Uni<FinanceService.MonthCharges> charges(@QueryParam("month") String month, @QueryParam("consumerId") String consumerId) {
        return finance.month(month(month), uuid("consumerId", consumerId));
    }

    @GET
    @Path("/charges.csv")
    @Produces("text/csv")
    @Operation(summary = "The same charges as CSV")
    public Uni<Response> csv(@QueryParam("month") String month) {
        YearMonth m = month(month);
        return finance.month(m, null).map(charges -> Response.ok(FinanceService.csv(charges))
                .type("text/csv; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"gatehouse-charges-" + m + ".csv\"").build());
    }

    @GET
    @Path("/projection")
    @Operation(summary = "The projected invoice: every period running now, rated on its usage so far")
    public Uni<FinanceService.MonthCharges> projection(@QueryParam("consumerId") String consumerId) {
        return finance.projection(uuid("consumerId", consumerId));
    }

    @GET
    @Path("/events")
    @Operation(summary = "Meter events reported to Stripe in a month, newest first, with their state")
    public Uni<List<OutboxEvent>> events(@QueryParam("month") String month, @QueryParam("state") String state,
                                         @QueryParam("consumerId") String consumerId) {
        OutboxState s;
        try {
            s = state == null || state.isBlank() ? null : OutboxState.valueOf(state.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AdminError.VALIDATION_FAILED.with("state must be one of PENDING, SENT, ACKNOWLEDGED, FAILED");
        }
        return finance.events(month(month), s, uuid("consumerId", consumerId), 1000);
    }

    @GET
    @Path("/reconciliation")
    @Operation(summary = "Gatehouse's acknowledged meter units against Stripe's meter summaries, per customer, for a month")
    public Uni<Reconciliation.Report> reconciliation(@QueryParam("month") String month) {
        return reconciliation.month(month(month));
    }

    @GET
    @Path("/revenue")
    @Operation(summary = "Charges and overage by month for the last 12 months (or 'months', up to 36)")
    public Uni<List<FinanceService.MonthRevenue>> revenue(@QueryParam("months") Integer months) {
        int n = months == null ? 12 : months;
        if (n < 1 || n > 36) {
            throw AdminError.VALIDATION_FAILED.with("months must be from 1 to 36");
        }
        return finance.revenue(BillingPeriods.of(Instant.now()), n);
    }

    static YearMonth month(String value) {
        if (value == null || value.isBlank()) {
            return BillingPeriods.of(Instant.now());
        }
        try {
            return YearMonth.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw AdminError.VALIDATION_FAILED.with("month must look like 2026-11");
        }
    }

    static UUID uuid(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            throw AdminError.VALIDATION_FAILED.with(name + " must be a UUID");
        }
    }
}
