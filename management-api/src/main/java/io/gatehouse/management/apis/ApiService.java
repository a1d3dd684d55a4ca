package io.gatehouse.management.apis;

import io.gatehouse.management.http.DomainException;

import io.gatehouse.management.changes.ChangeLog;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Keyset;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.subscriptions.SubscriptionStatus;
import io.gatehouse.management.sync.ConfigChanges;
import io.gatehouse.protocol.config.CanaryRule;
import io.gatehouse.protocol.config.ShadowRule;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** What an API owner does with an API, whichever door they come through (admin API, console). */
@ApplicationScoped
public class ApiService {
    static final int DEFAULT_CONNECT_TIMEOUT_MS = io.gatehouse.protocol.config.ApiDefinition.DEFAULT_CONNECT_TIMEOUT_MS;
    static final int DEFAULT_READ_TIMEOUT_MS = io.gatehouse.protocol.config.ApiDefinition.DEFAULT_READ_TIMEOUT_MS;

    @Inject
    ConfigChanges changes;
    @Inject
    CanaryStore canaryStore;
    @Inject
    TeamScope teams;

    /** What an API list can be narrowed to; null fields are not filtered on. */
    public record Filter(ApiStatus status, String team, String namePrefix) {
    }

    /** A page of APIs, oldest first; an api-owner sees only their team's. */
    @WithSession
    public Uni<Page<ApiView>> list(Filter filter, PageRequest page) {
        return list(filter, page, false);
    }

    /** The same, newest first: the console's list, where an API just published belongs on top. */
    @WithSession
    public Uni<Page<ApiView>> listNewestFirst(Filter filter, PageRequest page) {
        return list(filter, page, true);
    }

    private Uni<Page<ApiView>> list(Filter filter, PageRequest page, boolean newestFirst) {
        Keyset<ApiEntity> list = Keyset.over("ApiEntity", (ApiEntity a) -> a.createdAt, a -> a.id)
                .where("e.status = :status", "status", filter.status())
                .where("e.ownerTeam = :team", "team", filter.team())
                .where("e.name like :name escape '!'", "name", Keyset.prefix(filter.namePrefix()));
        if (newestFirst) {
            list.newestFirst();
        }
        return teams.current().apis(list).page(page, true,
                q -> ApiEntity.<ApiEntity>find(q.hql(), q.params()).range(0, q.rows() - 1).list(),
                q -> ApiEntity.count(q.hql(), q.params()), ApiView::of);
    }

    @WithSession
    public Uni<ApiView> get(String id) {
        return visible(id).map(ApiView::of);
    }

    /** Creates an API; it reaches the gateways once PUBLISHED. */
    public Uni<ApiView> create(@Valid @NotNull ApiRequest request) {
        String team = teams.current().ownerOfNew();
        return changes.commit(log -> create(log, request, api -> api.ownerTeam = team)).map(ApiView::of);
    }

    /** The creation inside a change another use case is making (publishing from a document). */
    Uni<ApiEntity> create(ChangeLog log, ApiRequest request) {
        return create(log, request, api -> { });
    }

    /** The same, with more set on the API before it is saved (its routing table from a document). */
    Uni<ApiEntity> create(ChangeLog log, ApiRequest request, java.util.function.Consumer<ApiEntity> more) {
        ApiEntity api = new ApiEntity();
        api.id = UUID.randomUUID();
        api.createdAt = Instant.now();
        api.status = request.status() == null ? ApiStatus.DRAFT : request.status();
        apply(api, request);
        more.accept(api);
        return checkUnique(api).chain(() -> api.<ApiEntity>persist()).invoke(log::created);
    }

    /** Replaces an API; a status change must follow {@link ApiStatus#next()}. */
    public Uni<ApiView> replace(String id, @Valid @NotNull ApiRequest request) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).chain(api -> {
            Map<String, Object> before = log.fields(api);
            ApiStatus from = api.status;
            moveTo(api, request.status() == null ? api.status : request.status());
            apply(api, request);
            return checkUnique(api).invoke(() -> log.changed(action(from, api.status), before, api)).replaceWith(api);
        })).map(ApiView::of);
    }

    /** Publishes, deprecates or re-publishes an API without touching the rest of it. */
    public Uni<ApiView> changeStatus(String id, @NotNull ApiStatus target) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            ApiStatus from = api.status;
            moveTo(api, target);
            api.updatedAt = Instant.now();
            log.changed(action(from, target), before, api);
        })).map(ApiView::of);
    }

    /**
     * Announces when a deprecated API stops being served (the portal's catalog shows it), or withdraws the
     * announcement with null. Only a deprecated API has a sunset, and it lies in the future.
     */
    public Uni<ApiView> setSunset(String id, Instant sunsetAt) {
        io.gatehouse.management.http.Timestamps.requireInRange("sunsetAt", sunsetAt);
        if (sunsetAt != null && !sunsetAt.isAfter(Instant.now())) {
            throw AdminError.VALIDATION_FAILED.with("sunsetAt must be in the future");
        }
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            if (sunsetAt != null && api.status != ApiStatus.DEPRECATED) {
                throw AdminError.INVALID_TRANSITION.with("only a DEPRECATED API has a sunset date; this one is " + api.status);
            }
            Map<String, Object> before = log.fields(api);
            api.sunsetAt = sunsetAt;
            api.updatedAt = Instant.now();
            log.changed("sunset", before, api);
        })).map(ApiView::of);
    }

    /**
     * Sets which web pages may call the API from a browser (the gateway answers CORS for them), or with null goes back
     * to the default: only the developer portal's pages. The rule is the very record the gateway reads, checked by
     * its own {@code problems()}.
     */
    public Uni<ApiView> setCors(String id, io.gatehouse.protocol.config.CorsRule rule) {
        if (rule != null) {
            List<String> problems = rule.problems();
            if (!problems.isEmpty()) {
                throw AdminError.VALIDATION_FAILED.with("cors: " + String.join("; ", problems));
            }
            rule = new io.gatehouse.protocol.config.CorsRule(List.copyOf(rule.origins()),
                    rule.allowedHeaders() == null ? null : List.copyOf(rule.allowedHeaders()), rule.maxAgeSeconds());
        }
        io.gatehouse.protocol.config.CorsRule set = rule;
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            api.cors = set;
            api.updatedAt = Instant.now();
            log.changed(set == null ? "cors_remove" : "cors", before, api);
        })).map(ApiView::of);
    }

    /** Deletes an API no application subscribes to; its closed subscriptions go with it. */
    public Uni<Void> delete(String id) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).chain(api -> SubscriptionEntity.count("apiId = ?1 and status in ?2", api.id, SubscriptionStatus.LIVE)
                .chain(live -> {
                    if (live > 0) {
                        throw AdminError.IN_USE.with("API " + api.id + " has " + live + " open subscriptions; close them first");
                    }
                    log.deleted(api);
                    // Closed subscriptions are history of an API that is going away.
                    return SubscriptionEntity.delete("apiId", api.id)
                            .chain(() -> ApiDocumentEntity.delete("apiId", api.id))
                            .chain(() -> api.delete());
                }))).replaceWithVoid();
    }

    @WithSession
    public Uni<CanaryStatus> canary(String id) {
        return visible(id).chain(api -> canaryStore.sinceSet(api.id.toString()).map(variants -> new CanaryStatus(api.canary, variants)));
    }

    /** Starts or changes a canary release (e.g. steps up its percentage); consumers stay on their side while it holds. */
    public Uni<ApiView> setCanary(String id, @Valid @NotNull CanaryRequest request) {
        if ((request.header() == null) != (request.headerValue() == null) || (request.cookie() == null) != (request.cookieValue() == null)) {
            throw AdminError.VALIDATION_FAILED.with("a header rule needs header and headerValue, a cookie rule cookie and cookieValue");
        }
        List<UpstreamTarget> targets = request.targets().stream().map(ApiService::target).toList();
        TeamScope.Scope scope = teams.current();
        java.util.concurrent.atomic.AtomicBoolean newRelease = new java.util.concurrent.atomic.AtomicBoolean();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            newRelease.set(api.canary == null || !api.canary.targets().equals(targets));
            api.canary = new CanaryRule(targets, request.percent(), request.header(), request.headerValue(), request.cookie(),
                    request.cookieValue());
            api.updatedAt = Instant.now();
            log.changed("canary", before, api);
        })).chain(api -> newRelease.get() ? canaryStore.reset(api.id.toString()).replaceWith(api) : Uni.createFrom().item(api))
                .map(ApiView::of);
    }

    /** The canary's targets become the API's targets, and the rule ends. */
    public Uni<ApiView> promoteCanary(String id) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            requireCanary(api, "promote");
            api.targets = api.canary.targets();
            endCanary(api);
            log.changed("canary_promote", before, api);
        })).chain(api -> canaryStore.reset(api.id.toString()).replaceWith(api)).map(ApiView::of);
    }

    /** All traffic returns to the API's own targets. */
    public Uni<ApiView> rollBackCanary(String id) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            requireCanary(api, "roll back");
            endCanary(api);
            log.changed("canary_roll_back", before, api);
        })).chain(api -> canaryStore.reset(api.id.toString()).replaceWith(api)).map(ApiView::of);
    }

    /** Mirrors a share of the API's requests to a shadow upstream; its answers never reach clients. */
    public Uni<ApiView> setShadow(String id, @Valid @NotNull ShadowRequest request) {
        String url = target(new ApiRequest.Target(request.url(), 1)).url();
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            api.shadow = new ShadowRule(url, request.percent(), request.maxConcurrent());
            api.updatedAt = Instant.now();
            log.changed("shadow", before, api);
        })).map(ApiView::of);
    }

    public Uni<ApiView> removeShadow(String id) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(api -> {
            Map<String, Object> before = log.fields(api);
            api.shadow = null;
            api.updatedAt = Instant.now();
            log.changed("shadow_remove", before, api);
        })).map(ApiView::of);
    }

    /**
     * Loads an API the caller may see by a path id, or fails with not_found (another team's API is not found either).
     * Take the scope before the returned Uni runs, while the request is on its own thread.
     */
    public Uni<ApiEntity> visible(String id) {
        return visible(teams.current(), id);
    }

    public static Uni<ApiEntity> visible(TeamScope.Scope scope, String id) {
        return find(id).map(api -> scope.check(api, id));
    }

    /** Loads an API by a path id, or fails with not_found, whoever asks (the caller checked the scope). */
    public static Uni<ApiEntity> find(String id) {
        return Ids.find("API", id, uuid -> ApiEntity.<ApiEntity>findById(uuid));
    }

    private static void requireCanary(ApiEntity api, String what) {
        if (api.canary == null) {
            throw AdminError.NO_CANARY.with("API " + api.id + " has no canary to " + what);
        }
    }

    private void endCanary(ApiEntity api) {
        api.canary = null;
        api.updatedAt = Instant.now();
    }

    private static void moveTo(ApiEntity api, ApiStatus target) {
        if (!api.status.canBecome(target)) {
            throw AdminError.INVALID_TRANSITION.with("an API that is " + api.status + " cannot become " + target
                    + "; it can become " + api.status.next());
        }
        api.status = target;
    }

    /** "publish", "deprecate": the history names a status change for what it is. */
    private static String action(ApiStatus from, ApiStatus to) {
        if (from == to) {
            return "update";
        }
        return switch (to) {
            case PUBLISHED -> "publish";
            case DEPRECATED -> "deprecate";
            case DRAFT -> "update";
        };
    }

    static void apply(ApiEntity api, ApiRequest request) {
        api.name = request.name().trim();
        api.version = request.version().trim();
        api.host = request.host() == null || request.host().isBlank() ? null : request.host().toLowerCase(Locale.ROOT);
        api.basePath = normaliseBasePath(request.basePath());
        api.stripBasePath = request.stripBasePath() == null || request.stripBasePath();
        api.targets = request.targets().stream().map(ApiService::target).toList();
        api.keyHeader = request.keyHeader() == null || request.keyHeader().isBlank() ? io.gatehouse.protocol.config.ApiDefinition.DEFAULT_KEY_HEADER : request.keyHeader();
        api.connectTimeoutMs = request.connectTimeoutMs() == null ? DEFAULT_CONNECT_TIMEOUT_MS : request.connectTimeoutMs();
        api.readTimeoutMs = request.readTimeoutMs() == null ? DEFAULT_READ_TIMEOUT_MS : request.readTimeoutMs();
        io.gatehouse.protocol.config.UpstreamPolicy policy = request.upstreamPolicy();
        if (policy != null && !policy.problems().isEmpty()) {
            // The gateway checks the same rules when it compiles a snapshot: what passes here, it accepts.
            throw DomainException.invalidFields("upstreamPolicy", policy.problems());
        }
        api.upstreamPolicy = policy;
        if (request.passThrough() != null) {
            api.passThrough = request.passThrough();
        }
        if (request.allowEncodedSlashes() != null) {
            api.allowEncodedSlashes = request.allowEncodedSlashes();
        }
        api.updatedAt = Instant.now();
    }

    static UpstreamTarget target(ApiRequest.Target target) {
        try {
            UpstreamUrl.parse(target.url().trim());
        } catch (IllegalArgumentException e) {
            throw AdminError.INVALID_UPSTREAM_URL.with(e.getMessage());
        }
        return new UpstreamTarget(target.url().trim(), target.weight() == null ? 1 : target.weight(),
                target.discovery() == null || "STATIC".equals(target.discovery()) ? null : target.discovery());
    }

    static String normaliseBasePath(String basePath) {
        String path = basePath.trim();
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw AdminError.INVALID_BASE_PATH.with("a base path may not contain '.' or '..' segments");
            }
        }
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    /** Explicit checks give clear messages; the database's unique indexes still guard against races. */
    private static Uni<Void> checkUnique(ApiEntity api) {
        return ApiEntity.count("name = ?1 and version = ?2 and id <> ?3", api.name, api.version, api.id)
                .chain(sameName -> {
                    if (sameName > 0) {
                        throw AdminError.DUPLICATE_NAME.with("an API named " + api.name + " version " + api.version + " already exists");
                    }
                    return api.host == null
                            ? ApiEntity.count("host is null and basePath = ?1 and id <> ?2", api.basePath, api.id)
                            : ApiEntity.count("host = ?1 and basePath = ?2 and id <> ?3", api.host, api.basePath, api.id);
                })
                .invoke(samePath -> {
                    if (samePath > 0) {
                        throw AdminError.DUPLICATE_ROUTE.with("another API is already mounted on "
                                + (api.host == null ? "" : api.host) + api.basePath);
                    }
                })
                .replaceWithVoid();
    }
}
