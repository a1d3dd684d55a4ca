package io.gatehouse.management.portal;

import io.gatehouse.management.accounts.AccountStore;
import io.gatehouse.management.applications.ApplicationEntity;
import io.gatehouse.management.consumers.ConsumerEntity;
import io.gatehouse.management.keys.ApiKeyEntity;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.subscriptions.SubscriptionStatus;
import io.gatehouse.management.sync.ConfigChanges;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A developer's account as a whole: their profile, and deleting it. Deleting keeps what billing and the audit trail
 * need and nothing that names the person: every key is revoked and every open subscription closed (recorded, and
 * published to the gateways like any change), the consumer and its applications keep their ids (usage and audit
 * records point at them) under neutral names, and the account row, its sessions, tokens, links and outbox mail are erased.
 */
@ApplicationScoped
public class DeveloperAccounts {
    private static final Logger LOG = Logger.getLogger(DeveloperAccounts.class);

    @Inject
    ConfigChanges changes;
    @Inject
    AccountStore accounts;
    @Inject
    Pool pool;

    public Uni<Void> rename(UUID userId, String displayName) {
        String name = displayName == null ? "" : displayName.strip();
        if (name.isEmpty() || name.length() > 100) {
            throw io.gatehouse.management.http.AdminError.VALIDATION_FAILED.with("enter a name of 1 to 100 characters");
        }
        return accounts.setDisplayName(userId, name);
    }

    public Uni<Void> delete(DeveloperWorkspace.Developer developer) {
        Uni<Void> anonymised = developer.consumerId() == null ? Uni.createFrom().voidItem()
                : changes.commit(log -> ConsumerEntity.<ConsumerEntity>findById(developer.consumerId()).chain(consumer ->
                        ApplicationEntity.<ApplicationEntity>list("consumerId", consumer.id).chain(apps -> {
                            List<UUID> ids = apps.stream().map(a -> a.id).toList();
                            Instant now = Instant.now();
                            Uni<Void> closed = ids.isEmpty() ? Uni.createFrom().voidItem()
                                    : ApiKeyEntity.<ApiKeyEntity>list("applicationId in ?1 and revokedAt is null", ids).invoke(keys -> {
                                        for (ApiKeyEntity k : keys) {
                                            Map<String, Object> before = log.fields(k);
                                            k.revokedAt = now;
                                            log.changed("revoke", before, k);
                                        }
                                    }).chain(() -> SubscriptionEntity.<SubscriptionEntity>list("applicationId in ?1 and status in ?2",
                                            ids, SubscriptionStatus.LIVE)).invoke(subs -> {
                                        for (SubscriptionEntity s : subs) {
                                            Map<String, Object> before = log.fields(s);
                                            s.status = SubscriptionStatus.CLOSED;
                                            s.cancelledAt = now;
                                            log.changed("close", before, s);
                                        }
                                    }).replaceWithVoid();
                            return closed.invoke(() -> {
                                for (ApplicationEntity app : apps) {
                                    Map<String, Object> before = log.fields(app);
                                    app.name = "deleted application " + app.id.toString().substring(0, 8);
                                    app.description = null;
                                    log.changed("anonymise", before, app);
                                }
                                Map<String, Object> before = log.fields(consumer);
                                consumer.username = "deleted-" + consumer.id;
                                consumer.email = null;
                                consumer.userId = null;
                                log.changed("anonymise", before, consumer);
                            });
                        })));
        return anonymised
                .chain(() -> pool.preparedQuery("delete from mail_outbox where lower(recipient) = lower($1)").execute(Tuple.of(developer.email())))
                .chain(() -> accounts.delete(developer.userId()))
                .invoke(() -> LOG.infof("developer account %s deleted; its consumer %s kept anonymised", developer.userId(), developer.consumerId()));
    }

}
