package io.gatehouse.management.billing;

import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.plans.PlanService;
import io.gatehouse.management.plans.PricingRequest;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

/**
 * The finance view: a month's charges per consumer, plan and period with totals, the projected invoice of the running
 * periods, what was reported to Stripe with each event's state, the reconciliation with Stripe's meter, a chart of
 * charges and overage by month, a CSV export, and plan prices. The same figures as the admin API's /admin/billing.
 */
@Path(FinancePages.PATH)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.ADMIN_NAME, Role.FINANCE_NAME})
public class FinancePages {
    public static final String PATH = "/console/billing";

    @Inject
    FinanceService finance;
    @Inject
    Reconciliation reconciliation;
    @Inject
    BillingState state;
    @Inject
    PlanService plans;

    @Inject
    @Location("console/billing.html")
    Template page;

    @GET
    public Uni<String> show(@QueryParam("month") String month) {
        return render(month, null);
    }

    @GET
    @Path("/charges.csv")
    @Produces("text/csv")
    public Uni<Response> csv(@QueryParam("month") String month) {
        YearMonth m = FinanceResource.month(month);
        return finance.month(m, null).map(charges -> Response.ok(FinanceService.csv(charges)).type("text/csv; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"gatehouse-charges-" + m + ".csv\"").build());
    }

    /** Sets a plan's flat price from the form; tiers are set through the admin API. Applies from the next period. */
    @POST
    @Path("/plans/{id}/pricing")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> price(@PathParam("id") String id, @FormParam("currency") String currency, @FormParam("basePrice") String basePrice,
                               @FormParam("includedUnits") String includedUnits, @FormParam("unitPrice") String unitPrice,
                               @FormParam("per") String per) {
        PricingRequest request;
        try {
            request = new PricingRequest(currency == null ? "" : currency.trim(), number(basePrice), number(includedUnits), number(unitPrice),
                    number(per), List.of());
        } catch (NumberFormatException e) {
            return render(null, "Prices, included requests and 'per' must be whole numbers (minor units such as cents).")
                    .map(html -> Response.status(400).entity(html).type(MediaType.TEXT_HTML_TYPE).build());
        }
        return Uni.createFrom().deferred(() -> plans.setPricing(id, request))
                .map(done -> Response.seeOther(URI.create(PATH + "#plan-prices")).build())
                .onFailure(DomainException.class).recoverWithUni(e -> render(null, e.getMessage())
                        .map(html -> Response.status(((DomainException) e).status()).entity(html).type(MediaType.TEXT_HTML_TYPE).build()))
                .onFailure(ConstraintViolationException.class).recoverWithUni(e -> render(null, "Not valid: "
                        + ((ConstraintViolationException) e).getConstraintViolations().stream().map(v -> v.getPropertyPath() + " " + v.getMessage()).sorted().toList())
                        .map(html -> Response.status(400).entity(html).type(MediaType.TEXT_HTML_TYPE).build()));
    }

    private Uni<String> render(String month, String error) {
        YearMonth m = FinanceResource.month(month);
        YearMonth now = BillingPeriods.of(Instant.now());
        return finance.month(m, null).chain(charges -> finance.projection(null).chain(projection -> finance.events(m, null, null, 200)
                .chain(events -> reconciliation.month(m).chain(report -> finance.revenue(now, 12).chain(revenue -> plans.list().chain(all ->
                        page.data("month", m.toString()).data("previousMonth", m.minusMonths(1).toString())
                                .data("nextMonth", m.plusMonths(1).toString())
                                .data("stripe", state.stripeEnabled())
                                .data("charges", charges).data("projection", projection).data("events", events)
                                .data("reconciliation", report).data("charts", RevenueChart.of(revenue)).data("revenue", revenue)
                                .data("plans", all).data("error", error)
                                .data("width", RevenueChart.WIDTH).data("height", RevenueChart.HEIGHT)
                                .data("left", RevenueChart.LEFT).data("right", RevenueChart.RIGHT).data("axisX", RevenueChart.LEFT - 6)
                                .createUni()))))));
    }

    private static Long number(String value) {
        return value == null || value.isBlank() ? null : Long.parseLong(value.trim());
    }
}
