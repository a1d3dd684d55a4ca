package io.gatehouse.management.billing;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.portal.DeveloperWorkspace;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A developer's own charges in the portal: the running periods of their consumer, rated so far, and last month's. The
 * consumer is the portal's one link from an account to a consumer ({@code consumers.user_id}, made on the first
 * visit after the address is verified), never a match on the email address: an administrator's consumer that shares
 * the address is not the developer's. Nobody sees another consumer's charges.
 */
@Path("/portal/billing")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.DEVELOPER_NAME, Role.ADMIN_NAME, Role.FINANCE_NAME})
public class PortalBillingPage {

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

    /** One consumer's current and previous charges. */
    public record Account(String consumer, FinanceService.MonthCharges current, FinanceService.MonthCharges previous, String standing) {
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
                            .map(previous -> new Account(r.getString("username"), current, previous, standing)));
                });
    }
}
