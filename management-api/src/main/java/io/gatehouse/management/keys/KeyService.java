package io.gatehouse.management.keys;

import io.gatehouse.management.http.Timestamps;

import io.gatehouse.management.applications.ApplicationService;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.apis.TeamScope;
import io.gatehouse.management.applications.ApplicationEntity;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Keyset;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.sync.ConfigChanges;
import io.gatehouse.protocol.keys.ApiKeys;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** API keys: issued to an application, shown once, stored as a hash, revoked. */
@ApplicationScoped
public class KeyService {

    @Inject
    ConfigChanges changes;
    @Inject
    TeamScope teams;

    /** What a key list can be narrowed to: one application's, one state (ACTIVE, REVOKED, EXPIRED at the time of asking). */
    public record Filter(UUID applicationId, KeyState state) {
    }

    /** Issues a key; the answer is the only time the key is shown. {@code expiresAt} is optional and must be in the future. */
    public Uni<IssuedKey> issue(String applicationId, Instant expiresAt) {
        return issue(applicationId, null, expiresAt);
    }

    /** Issues a named key (the name tells a list of prefixes apart); the answer is the only time the key is shown. */
    public Uni<IssuedKey> issue(String applicationId, String name, Instant expiresAt) {
        Timestamps.requireInRange("expiresAt", expiresAt);
        if (expiresAt != null && !expiresAt.isAfter(Instant.now())) {
            throw AdminError.VALIDATION_FAILED.with("expiresAt must be in the future");
        }
        String key = ApiKeys.generate();
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visibleApplication(scope, applicationId).chain(app -> {
            ApiKeyEntity entity = new ApiKeyEntity();
            entity.id = UUID.randomUUID();
            entity.applicationId = app.id;
            entity.keyHash = ApiKeys.hash(key);
            entity.prefix = ApiKeys.displayPrefix(key);
            entity.name = name;
            entity.createdAt = Instant.now();
            entity.expiresAt = expiresAt;
            return entity.<ApiKeyEntity>persist().invoke(log::created);
        })).map(k -> issued(k, key));
    }

    private static IssuedKey issued(ApiKeyEntity k, String key) {
        return new IssuedKey(k.id.toString(), k.applicationId.toString(), key, k.prefix, k.name, k.createdAt, k.expiresAt);
    }

    /** A rotation's outcome: the new key (shown this once) and the old one, which now expires at the end of the grace period. */
    public record Rotation(IssuedKey replacement, KeyView old) {
    }

    /**
     * Replaces an active key without a gap: a new key with the same name and application is issued, and the old one
     * keeps working until {@code now + grace} (or its own earlier expiry), when the gateways start refusing it. Both in
     * one change, so no gateway ever holds one without the other.
     */
    public Uni<Rotation> rotate(String id, java.time.Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw AdminError.VALIDATION_FAILED.with("the grace period must be zero or more");
        }
        String key = ApiKeys.generate();
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).chain(old -> {
            Instant now = Instant.now();
            if (old.state(now) != KeyState.ACTIVE) {
                throw AdminError.INVALID_TRANSITION.with("a key that is " + old.state(now) + " cannot be rotated");
            }
            Map<String, Object> before = log.fields(old);
            Instant end = now.plus(grace);
            if (old.expiresAt == null || end.isBefore(old.expiresAt)) {
                old.expiresAt = end;
            }
            log.changed("rotate", before, old);
            ApiKeyEntity fresh = new ApiKeyEntity();
            fresh.id = UUID.randomUUID();
            fresh.applicationId = old.applicationId;
            fresh.keyHash = ApiKeys.hash(key);
            fresh.prefix = ApiKeys.displayPrefix(key);
            fresh.name = old.name;
            fresh.createdAt = now;
            return fresh.<ApiKeyEntity>persist().invoke(log::created).map(k -> new Rotation(issued(k, key), KeyView.of(old)));
        }));
    }

    /**
     * A page of keys (never the keys themselves), oldest first; an api-owner sees the keys of applications subscribed
     * to their team's APIs. Keys are the one list that grows to millions, so {@code total} is counted only when the
     * list is narrowed to one application.
     */
    @WithSession
    public Uni<Page<KeyView>> list(Filter filter, PageRequest page) {
        Keyset<ApiKeyEntity> list = Keyset.over("ApiKeyEntity", (ApiKeyEntity k) -> k.createdAt, k -> k.id)
                .where("e.applicationId = :applicationId", "applicationId", filter.applicationId());
        if (filter.state() != null) {
            list.where(switch (filter.state()) {
                case REVOKED -> "e.revokedAt is not null";
                case EXPIRED -> "e.revokedAt is null and e.expiresAt <= :now";
                case ACTIVE -> "e.revokedAt is null and (e.expiresAt is null or e.expiresAt > :now)";
            });
            if (filter.state() != KeyState.REVOKED) {
                list.param("now", Instant.now());
            }
        }
        return teams.current().byApplication(list).page(page, filter.applicationId() != null,
                q -> ApiKeyEntity.<ApiKeyEntity>find(q.hql(), q.params()).range(0, q.rows() - 1).list(),
                q -> ApiKeyEntity.count(q.hql(), q.params()), KeyView::of);
    }

    /** A page of one application's keys (404 for an unknown application, or one an api-owner may not see). */
    @WithSession
    public Uni<Page<KeyView>> listOfApplication(String applicationId, KeyState state, PageRequest page) {
        TeamScope.Scope scope = teams.current();
        return visibleApplication(scope, applicationId).chain(app -> list(new Filter(app.id, state), page));
    }

    @WithSession
    public Uni<KeyView> get(String id) {
        return visible(teams.current(), id).map(KeyView::of);
    }

    private static Uni<ApplicationEntity> visibleApplication(TeamScope.Scope scope, String applicationId) {
        return ApplicationService.find(applicationId).call(app -> scope.seesApplication(app.id).invoke(sees -> {
            if (!sees) {
                throw DomainException.notFound("application", applicationId);
            }
        }));
    }

    private static Uni<ApiKeyEntity> visible(TeamScope.Scope scope, String id) {
        return find(id).call(k -> scope.seesApplication(k.applicationId).invoke(sees -> {
            if (!sees) {
                throw DomainException.notFound("key", id);
            }
        }));
    }

    /** Revokes a key; every connected gateway refuses it within a second. Revoking a revoked key changes nothing. */
    public Uni<KeyView> revoke(String id) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(k -> {
            KeyState state = k.state(Instant.now());
            if (state == KeyState.REVOKED) {
                return;
            }
            if (!state.canBecome(KeyState.REVOKED)) {
                throw AdminError.INVALID_TRANSITION.with("a key that is " + state + " cannot be revoked");
            }
            Map<String, Object> before = log.fields(k);
            k.revokedAt = Instant.now();
            log.changed("revoke", before, k);
        })).map(KeyView::of);
    }

    public static Uni<ApiKeyEntity> find(String id) {
        return Ids.find("key", id, uuid -> ApiKeyEntity.<ApiKeyEntity>findById(uuid));
    }
}
