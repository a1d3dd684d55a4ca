package io.gatehouse.management.billing;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.billing.stripe.WebhookSignature;
import io.gatehouse.protocol.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

/**
 * Stripe's webhook endpoint. The signature is checked on the raw body (tolerance window against replays of old
 * deliveries); each event is handled once by its id, in the transaction that records the id, so a redelivery is
 * acknowledged without doing anything again. Events Gatehouse does not use are recorded and acknowledged.
 */
@Path(StripeWebhookResource.PATH)
@Tag(name = "Billing")
public class StripeWebhookResource {
    public static final String PATH = "/billing/stripe/webhook";
    private static final Logger LOG = Logger.getLogger(StripeWebhookResource.class);

    @Inject
    BillingState state;
    @Inject
    Pool pool;
    @Inject
    PaymentStanding standing;
    @Inject
    BillingJobs jobs;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Stripe webhook: invoice.paid, invoice.payment_failed, customer.subscription.deleted")
    public Uni<Response> receive(@HeaderParam("Stripe-Signature") String signature, String payload) {
        String secret = state.settings().stripe().webhookSecret().filter(s -> !s.isBlank()).orElse(null);
        if (secret == null) {
            return Uni.createFrom().item(error(404, "billing_not_configured", "this control plane has no Stripe webhook secret"));
        }
        try {
            WebhookSignature.verify(payload == null ? "" : payload, signature, secret, Instant.now(), state.settings().stripe().webhookTolerance());
        } catch (WebhookSignature.Invalid e) {
            return Uni.createFrom().item(error(400, e.code(), e.getMessage()));
        }
        JsonNode event;
        try {
            event = Json.mapper().readTree(payload);
        } catch (Exception e) {
            return Uni.createFrom().item(error(400, "malformed_json", "the event is not JSON"));
        }
        String id = event.path("id").asText(null);
        String type = event.path("type").asText(null);
        if (id == null || type == null) {
            return Uni.createFrom().item(error(400, "malformed_event", "an event needs an id and a type"));
        }
        JsonNode object = event.path("data").path("object");
        Instant now = Instant.now();
        return pool.withTransaction(tx -> tx.preparedQuery("insert into stripe_webhook_events (event_id, type, received_at) values ($1, $2, $3) on conflict do nothing")
                        .execute(Tuple.of(id, type, now.atOffset(ZoneOffset.UTC)))
                        .chain(inserted -> inserted.rowCount() == 0 ? Uni.createFrom().item("duplicate") : handle(tx, type, object, now)))
                .invoke(outcome -> {
                    if ("invoice.paid".equals(type) && "handled".equals(outcome)) {
                        jobs.checkStandingSoon();
                    }
                })
                .map(outcome -> Response.ok(Map.of("received", true, "outcome", outcome)).build());
    }

    private Uni<String> handle(SqlClient tx, String type, JsonNode object, Instant now) {
        return switch (type) {
            case "invoice.payment_failed", "invoice.paid" -> consumerOf(tx, object.path("customer").asText("")).chain(consumer -> {
                if (consumer == null) {
                    LOG.warnf("Stripe %s for customer %s, who is not a Gatehouse consumer: ignored", type, object.path("customer").asText());
                    return Uni.createFrom().item("unknown_customer");
                }
                String invoice = object.path("id").asText(null);
                return ("invoice.paid".equals(type) ? standing.paid(tx, consumer, invoice, now) : standing.paymentFailed(tx, consumer, invoice, now))
                        .replaceWith("handled");
            });
            case "customer.subscription.deleted" -> tx.preparedQuery(
                            "update billing_subscriptions set status = 'DELETED', deleted_at = $2 where stripe_subscription_id = $1 and status = 'ACTIVE'")
                    .execute(Tuple.of(object.path("id").asText(""), now.atOffset(ZoneOffset.UTC)))
                    .map(r -> r.rowCount() > 0 ? "handled" : "unknown_subscription");
            default -> Uni.createFrom().item("ignored");
        };
    }

    private static Uni<UUID> consumerOf(SqlClient tx, String customer) {
        return tx.preparedQuery("select consumer_id from billing_customers where stripe_customer_id = $1").execute(Tuple.of(customer))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID(0));
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("code", code, "message", message)).build();
    }
}
