package io.gatehouse.management.billing;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A developer's own charges in the portal: the running periods of the consumers registered with their email address,
 * rated so far, and last month's. Nobody sees another consumer's charges.
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
    @Location("portal/billing.html")
    Template page;

    /** One consumer's current and previous charges. */
    public record Account(String consumer, FinanceService.MonthCharges current, FinanceService.MonthCharges previous, String standing) {
    }

    @GET
    public Uni<String> show() {
        String email = currentUser.email();
        return pool.preparedQuery("""
                        select c.id, c.username, c.suspended_reason, s.state from consumers c
                        left join billing_payment_standing s on s.consumer_id = c.id
                        where lower(c.email) = lower($1) order by c.username""")
                .execute(Tuple.of(email == null ? "" : email))
                .chain(rows -> {
                    Uni<List<Account>> chain = Uni.createFrom().item(new ArrayList<>());
                    for (var r : rows) {
                        UUID id = r.getUUID("id");
                        String standing = r.getString("suspended_reason") != null ? "Suspended: " + r.getString("suspended_reason").replace('_', ' ')
                                : "PAST_DUE".equals(r.getString("state")) ? "Payment failed: update your payment method before your keys are suspended." : null;
                        chain = chain.chain(list -> finance.projection(id)
                                .chain(current -> finance.month(BillingPeriods.of(Instant.now()).minusMonths(1), id).map(previous -> {
                                    list.add(new Account(r.getString("username"), current, previous, standing));
                                    return list;
                                })));
                    }
                    return chain;
                })
                .chain(accounts -> page.data("accounts", accounts).data("stripe", state.stripeEnabled()).data("email", email).createUni());
    }
}
