package io.gatehouse.management.billing;

import com.stripe.exception.StripeException;
import io.gatehouse.billing.rating.Money;
import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.portal.DeveloperWorkspace;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

/**
 * A developer's own charges in the portal: the running periods of their consumer, rated so far, and last month's. The
 * consumer is the portal's one link from an account to a consumer ({@code consumers.user_id}, made on the first
 * visit after the address is verified), never a match on the email address: an administrator's consumer that shares
 * the address is not the developer's. Nobody sees another consumer's charges. With Stripe, the consumer's invoices are
 * read from Stripe for each view (Stripe is where they live: status and payment change there); when Stripe cannot be
 * reached the page says so and still shows the computed charges.
 */
@Path("/portal/billing")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.DEVELOPER_NAME, Role.ADMIN_NAME, Role.FINANCE_NAME})
public class PortalBillingPage {
    private static final Logger LOG = Logger.getLogger(PortalBillingPage.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    @Inject
    CurrentUser currentUser;
    @Inject
    FinanceService finance;
    @Inject
    BillingState state;
    @Inject
    Pool pool;
    @Inject
    DeveloperWorkspace workspace;

    @Inject
    @Location("portal/billing.html")
    Template page;

    /** How many of a consumer's latest Stripe invoices the page lists. */
    static final int INVOICES = 12;

    /** One consumer's current and previous charges, and its Stripe invoices. */
    public record Account(String consumer, FinanceService.MonthCharges current, FinanceService.MonthCharges previous, String standing,
                          Invoices invoices) {
    }

    /**
     * A consumer's Stripe invoices as the page shows them. {@code error} is set when Stripe could not be asked (the
     * computed charges still show); {@code customer} is false before the consumer's first paid subscription made one.
     */
    public record Invoices(boolean customer, List<Invoice> list, String error) {
    }

    /** One invoice: amounts formatted with the currency's exponent; the link only when it is Stripe's https page. */
    public record Invoice(String number, String period, String amount, long amountMinor, String status, String url) {
    }

    @GET
    public Uni<String> show() {
        String email = currentUser.email();
        // Staff signed in with the bootstrap token or a provider token have no account, so no consumer of their own.
        Uni<UUID> consumer = currentUser.id() == null ? Uni.createFrom().nullItem() : workspace.developer().map(DeveloperWorkspace.Developer::consumerId);
        return consumer.chain(id -> id == null ? Uni.createFrom().item(List.<Account>of()) : account(id).map(List::of))
                .chain(accounts -> page.data("accounts", accounts).data("stripe", state.stripeEnabled()).data("email", email).createUni());
    }

    private Uni<Account> account(UUID id) {
        return pool.preparedQuery("""
                        select c.username, c.suspended_reason, s.state from consumers c
                        left join billing_payment_standing s on s.consumer_id = c.id where c.id = $1""")
                .execute(Tuple.of(id))
                .chain(rows -> {
                    var r = rows.iterator().next();
                    String standing = r.getString("suspended_reason") != null ? "Suspended: " + r.getString("suspended_reason").replace('_', ' ')
                            : "PAST_DUE".equals(r.getString("state")) ? "Payment failed: update your payment method before your keys are suspended." : null;
                    return finance.projection(id).chain(current -> finance.month(BillingPeriods.of(Instant.now()).minusMonths(1), id)
                            .chain(previous -> invoices(id).map(invoices -> new Account(r.getString("username"), current, previous, standing, invoices))));
                });
    }

    /** The consumer's latest Stripe invoices, read from Stripe on a worker thread (the client blocks). */
    private Uni<Invoices> invoices(UUID consumerId) {
        if (!state.stripeEnabled()) {
            return Uni.createFrom().item(new Invoices(false, List.of(), null));
        }
        return pool.preparedQuery("select stripe_customer_id from billing_customers where consumer_id = $1").execute(Tuple.of(consumerId))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(new Invoices(false, List.of(), null));
                    }
                    String customer = rows.iterator().next().getString(0);
                    return Uni.createFrom().item(() -> read(customer)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                });
    }

    private static String amount(long minor, String currency) {
        try {
            return new Money(currency, minor).format();
        } catch (RuntimeException e) {
            return minor + " " + currency;
        }
    }

    private Invoices read(String customer) {
        try {
            List<Invoice> list = state.stripe().invoices(customer, INVOICES).stream().map(i -> new Invoice(
                    i.number() == null ? "(draft)" : i.number(),
                    (i.periodStart() == null ? "" : DAY.format(i.periodStart())) + " – " + (i.periodEnd() == null ? "" : DAY.format(i.periodEnd())),
                    amount(i.amountDue(), i.currency()),
                    i.amountDue(),
                    i.status() == null ? "" : i.status(),
                    i.hostedInvoiceUrl() != null && i.hostedInvoiceUrl().startsWith("https://") ? i.hostedInvoiceUrl() : null)).toList();
            return new Invoices(true, list, null);
        } catch (StripeException e) {
            LOG.warnf("Stripe invoices of customer %s could not be read: %s", customer, e.getMessage());
            return new Invoices(true, List.of(), "Your invoices cannot be loaded from Stripe right now; try again in a few minutes. "
                    + "The charges above are computed by Gatehouse and are up to date.");
        }
    }
}
