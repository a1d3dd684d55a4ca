package io.gatehouse.management.portal;

import io.gatehouse.management.GatehouseConfig;
import io.gatehouse.management.accounts.AccountStore;
import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.UserAccount;
import io.gatehouse.management.applications.ApplicationEntity;
import io.gatehouse.management.applications.ApplicationRequest;
import io.gatehouse.management.applications.ApplicationService;
import io.gatehouse.management.applications.ApplicationView;
import io.gatehouse.management.consumers.ConsumerEntity;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.keys.ApiKeyEntity;
import io.gatehouse.management.keys.IssuedKey;
import io.gatehouse.management.keys.KeyService;
import io.gatehouse.management.keys.KeyView;
import io.gatehouse.management.plans.PlanEntity;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.subscriptions.SubscriptionRequest;
import io.gatehouse.management.subscriptions.SubscriptionService;
import io.gatehouse.management.subscriptions.SubscriptionView;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What a signed-in developer does with their own things: applications, subscriptions and keys. Every use case starts
 * from the developer's consumer and loads what it touches through it, so another developer's application, subscription
 * or key is "not found" exactly like one that does not exist. Writes go through the admin services (and so through
 * {@link ConfigChanges}: recorded, published to the gateways).
 */
@ApplicationScoped
public class DeveloperWorkspace {
    /** Names of applications and keys: what fits a table cell and the database's uniqueness per consumer. */
    static final int MAX_NAME = 100;
    static final int MAX_DESCRIPTION = 2000;
    /** The subscribe form lists at most this many API plans; the catalog's search finds the rest. */
    static final int MAX_OFFERS = 500;

    @Inject
    CurrentUser currentUser;
    @Inject
    AccountStore accounts;
    @Inject
    Pool pool;
    @Inject
    ConfigChanges changes;
    @Inject
    ApplicationService applications;
    @Inject
    SubscriptionService subscriptions;
    @Inject
    KeyService keys;
    @Inject
    GatehouseConfig config;

    /**
     * The developer behind the request.
     *
     * @param consumerId their consumer; null until their address is verified (nothing can be created before)
     */
    public record Developer(UUID userId, String email, String displayName, boolean verified, UUID consumerId) {
    }

    public record AppSummary(String id, String name, String description, OffsetDateTime createdAt, long subscriptions, long activeKeys) {
    }

    /** A subscription as its developer sees it: which API and plan, its state and, when refused or suspended, why. */
    public record SubscriptionLine(String id, String status, String reason, OffsetDateTime createdAt, String apiId, String apiName,
                                   String apiVersion, String apiStatus, String planName, Long ratePerSecond, Long burst,
                                   Long monthlyQuota, String quotaMode) {
        public boolean live() {
            return status.equals("PENDING") || status.equals("ACTIVE") || status.equals("SUSPENDED");
        }
    }

    /** A published API's plan a developer may subscribe to. */
    public record Offer(String apiId, String apiName, String apiVersion, String planId, String planName, Long ratePerSecond,
                        Long burst, Long monthlyQuota, boolean requiresApproval) {
        public String value() {
            return apiId + ":" + planId;
        }
    }

    public record AppDetail(ApplicationView app, List<SubscriptionLine> subscriptions, List<KeyView> keys, List<Offer> offers) {
        public List<KeyView> liveKeys() {
            return keys.stream().filter(k -> k.state() == io.gatehouse.management.keys.KeyState.ACTIVE).toList();
        }
    }

    // ---- who is asking

    /** The signed-in developer, with their consumer created on their first visit after verifying their address. */
    public Uni<Developer> developer() {
        UUID userId = currentUser.id();
        if (userId == null) {
            throw new io.gatehouse.management.console.ConsoleException(403, "no_account",
                    "The portal's workspace needs a Gatehouse account: sign in through the portal.");
        }
        return accounts.findById(userId).chain(user -> {
            if (user == null) {
                throw new io.gatehouse.management.console.ConsoleException(403, "no_account", "This account no longer exists.");
            }
            if (!user.emailVerified()) {
                return Uni.createFrom().item(new Developer(user.id(), user.email(), user.displayName(), false, null));
            }
            return consumerOf(user).map(consumer -> new Developer(user.id(), user.email(), user.displayName(), true, consumer));
        });
    }

    private Uni<UUID> consumerOf(UserAccount user) {
        return findConsumer(user.id()).chain(found -> found != null ? Uni.createFrom().item(found)
                : changes.commit(log -> {
                    ConsumerEntity consumer = new ConsumerEntity();
                    consumer.id = UUID.randomUUID();
                    consumer.userId = user.id();
                    consumer.username = user.email();
                    consumer.email = user.email();
                    consumer.createdAt = Instant.now();
                    return ConsumerEntity.count("username", consumer.username).chain(n -> {
                        if (n > 0) {
                            // An administrator already made a consumer of that name: the account's own gets a suffix.
                            consumer.username = user.email() + "-" + user.id().toString().substring(0, 8);
                        }
                        return consumer.<ConsumerEntity>persist();
                    }).invoke(log::created);
                }).map(c -> c.id)
                // Two first visits at once: one insert wins the unique index, the other reads it.
                .onFailure().recoverWithUni(e -> findConsumer(user.id()).onItem().ifNull().failWith(() -> e)));
    }

    private Uni<UUID> findConsumer(UUID userId) {
        return pool.preparedQuery("select id from consumers where user_id = $1").execute(Tuple.of(userId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id"));
    }

    // ---- applications

    public Uni<List<AppSummary>> applications(Developer developer) {
        if (developer.consumerId() == null) {
            return Uni.createFrom().item(List.of());
        }
        return pool.preparedQuery("""
                        select a.id, a.name, a.description, a.created_at,
                          (select count(*) from subscriptions s where s.application_id = a.id and s.status in ('PENDING', 'ACTIVE', 'SUSPENDED')) as subscriptions,
                          (select count(*) from api_keys k where k.application_id = a.id and k.revoked_at is null
                             and (k.expires_at is null or k.expires_at > now())) as keys
                        from applications a where a.consumer_id = $1 order by a.created_at, a.id""")
                .execute(Tuple.of(developer.consumerId()))
                .map(rows -> {
                    List<AppSummary> apps = new ArrayList<>();
                    for (Row r : rows) {
                        apps.add(new AppSummary(r.getUUID("id").toString(), r.getString("name"), r.getString("description"),
                                r.getOffsetDateTime("created_at"), r.getLong("subscriptions"), r.getLong("keys")));
                    }
                    return apps;
                });
    }

    public Uni<ApplicationView> createApplication(Developer developer, String name, String description) {
        requireVerified(developer);
        ApplicationRequest request = applicationRequest(name, description);
        return applications.create(developer.consumerId().toString(), request);
    }

    public Uni<ApplicationView> renameApplication(Developer developer, String applicationId, String name, String description) {
        ApplicationRequest request = applicationRequest(name, description);
        return owned(developer, applicationId).chain(app -> applications.rename(applicationId, request));
    }

    public Uni<Void> deleteApplication(Developer developer, String applicationId) {
        return owned(developer, applicationId).chain(app -> applications.delete(applicationId));
    }

    /** The application with its subscriptions, keys and the plans it could subscribe to. */
    public Uni<AppDetail> application(Developer developer, String applicationId) {
        return owned(developer, applicationId).chain(app -> subscriptionLines(app.id)
                .chain(lines -> keyViews(app.id)
                        .chain(keyList -> offers().map(offers -> new AppDetail(ApplicationView.of(app), lines, keyList, offers)))));
    }

    /** An application of this developer's, or 404 as if it did not exist. */
    Uni<ApplicationEntity> owned(Developer developer, String applicationId) {
        return Panache.withSession(() -> ApplicationService.find(applicationId)).invoke(app -> {
            if (developer.consumerId() == null || !developer.consumerId().equals(app.consumerId)) {
                throw DomainException.notFound("application", applicationId);
            }
        });
    }

    // ---- subscriptions

    /**
     * Subscribes the application to one of the plans an API offers: at once, or PENDING until an owner of the API
     * approves it when the plan says so.
     */
    public Uni<SubscriptionView> subscribe(Developer developer, String applicationId, String apiId, String planId) {
        requireVerified(developer);
        UUID api = io.gatehouse.management.http.Ids.reference("API", apiId);
        UUID plan = io.gatehouse.management.http.Ids.reference("plan", planId);
        return owned(developer, applicationId).chain(app -> pool.preparedQuery("""
                        select p.requires_approval from api_plans o join plans p on p.id = o.plan_id join apis a on a.id = o.api_id
                        where o.api_id = $1 and o.plan_id = $2 and a.status = 'PUBLISHED'""")
                .execute(Tuple.of(api, plan))
                .chain(rows -> {
                    // Only plans an API offers in the catalog: an API without a plan list takes any plan from its owner, not from a developer.
                    if (rows.size() == 0) {
                        throw AdminError.PLAN_NOT_OFFERED.with("this API does not offer that plan to developers");
                    }
                    boolean approval = rows.iterator().next().getBoolean("requires_approval");
                    SubscriptionRequest request = new SubscriptionRequest(applicationId, apiId, planId, null);
                    return approval ? subscriptions.request(request) : subscriptions.subscribe(request);
                }));
    }

    /** Ends one of the application's subscriptions (a pending request is withdrawn the same way). */
    public Uni<SubscriptionView> unsubscribe(Developer developer, String applicationId, String subscriptionId) {
        return owned(developer, applicationId)
                .chain(app -> Panache.withSession(() -> SubscriptionService.find(subscriptionId)).invoke(s -> {
                    if (!s.applicationId.equals(app.id)) {
                        throw DomainException.notFound("subscription", subscriptionId);
                    }
                }))
                .chain(s -> subscriptions.close(subscriptionId));
    }

    // ---- keys

    public Uni<IssuedKey> issueKey(Developer developer, String applicationId, String name) {
        requireVerified(developer);
        String keyName = name == null ? "" : name.strip();
        if (keyName.isEmpty() || keyName.length() > MAX_NAME) {
            throw AdminError.VALIDATION_FAILED.with("give the key a name of 1 to " + MAX_NAME + " characters");
        }
        return owned(developer, applicationId).chain(app -> keys.issue(applicationId, keyName, null));
    }

    /** Rotates a key; the old one keeps working for {@code grace}, which may not exceed the configured bound. */
    public Uni<KeyService.Rotation> rotateKey(Developer developer, String applicationId, String keyId, Duration grace) {
        Duration max = config.portal().maxRotationGrace();
        if (grace == null || grace.isNegative() || grace.compareTo(max) > 0) {
            throw AdminError.VALIDATION_FAILED.with("the old key may keep working from 0 seconds up to " + describe(max));
        }
        return ownedKey(developer, applicationId, keyId).chain(k -> keys.rotate(keyId, grace));
    }

    public Uni<KeyView> revokeKey(Developer developer, String applicationId, String keyId) {
        return ownedKey(developer, applicationId, keyId).chain(k -> keys.revoke(keyId));
    }

    private Uni<ApiKeyEntity> ownedKey(Developer developer, String applicationId, String keyId) {
        return owned(developer, applicationId).chain(app -> Panache.withSession(() -> KeyService.find(keyId)).invoke(k -> {
            if (!k.applicationId.equals(app.id)) {
                throw DomainException.notFound("key", keyId);
            }
        }));
    }

    public Duration maxRotationGrace() {
        return config.portal().maxRotationGrace();
    }

    static String describe(Duration d) {
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
        }
        if (d.toMinutes() > 0 && d.equals(Duration.ofMinutes(d.toMinutes()))) {
            return d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes");
        }
        return d.toSeconds() + " seconds";
    }

    // ---- reading

    private Uni<List<SubscriptionLine>> subscriptionLines(UUID applicationId) {
        return pool.preparedQuery("""
                        select s.id, s.status, s.reason, s.created_at, a.id as api_id, a.name as api_name, a.version as api_version,
                               a.status as api_status, p.name as plan_name, p.rate_per_second, p.burst, p.monthly_quota, p.quota_mode
                        from subscriptions s join apis a on a.id = s.api_id join plans p on p.id = s.plan_id
                        where s.application_id = $1 order by s.created_at desc, s.id""")
                .execute(Tuple.of(applicationId))
                .map(rows -> {
                    List<SubscriptionLine> lines = new ArrayList<>();
                    for (Row r : rows) {
                        lines.add(new SubscriptionLine(r.getUUID("id").toString(), r.getString("status"), r.getString("reason"),
                                r.getOffsetDateTime("created_at"), r.getUUID("api_id").toString(), r.getString("api_name"),
                                r.getString("api_version"), r.getString("api_status"), r.getString("plan_name"),
                                r.getLong("rate_per_second"), r.getLong("burst"), r.getLong("monthly_quota"), r.getString("quota_mode")));
                    }
                    return lines;
                });
    }

    private Uni<List<KeyView>> keyViews(UUID applicationId) {
        return Panache.withSession(() -> ApiKeyEntity.<ApiKeyEntity>list("applicationId = ?1 order by createdAt desc, id", applicationId))
                .map(all -> all.stream().map(KeyView::of).toList());
    }

    private Uni<List<Offer>> offers() {
        return pool.preparedQuery("""
                        select a.id as api_id, a.name as api_name, a.version, p.id as plan_id, p.name as plan_name, p.rate_per_second,
                               p.burst, p.monthly_quota, p.requires_approval
                        from apis a join api_plans o on o.api_id = a.id join plans p on p.id = o.plan_id
                        where a.status = 'PUBLISHED' order by lower(a.name), a.version, p.name limit $1""")
                .execute(Tuple.of(MAX_OFFERS))
                .map(rows -> {
                    List<Offer> offers = new ArrayList<>();
                    for (Row r : rows) {
                        offers.add(new Offer(r.getUUID("api_id").toString(), r.getString("api_name"), r.getString("version"),
                                r.getUUID("plan_id").toString(), r.getString("plan_name"), r.getLong("rate_per_second"),
                                r.getLong("burst"), r.getLong("monthly_quota"), r.getBoolean("requires_approval")));
                    }
                    return offers;
                });
    }

    private static void requireVerified(Developer developer) {
        if (!developer.verified() || developer.consumerId() == null) {
            throw AdminError.FORBIDDEN.with("verify your email address first: open the link we mailed you");
        }
    }

    private static ApplicationRequest applicationRequest(String name, String description) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > MAX_NAME) {
            throw AdminError.VALIDATION_FAILED.with("give the application a name of 1 to " + MAX_NAME + " characters");
        }
        String d = description == null || description.isBlank() ? null : description.strip();
        if (d != null && d.length() > MAX_DESCRIPTION) {
            throw AdminError.VALIDATION_FAILED.with("keep the description under " + MAX_DESCRIPTION + " characters");
        }
        return new ApplicationRequest(n, d);
    }
}
