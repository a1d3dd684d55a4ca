package io.gatehouse.management.keys;

import io.gatehouse.management.http.Timestamps;

import io.gatehouse.management.applications.ApplicationService;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.Ids;
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

    /** Issues a key; the answer is the only time the key is shown. {@code expiresAt} is optional and must be in the future. */
    public Uni<IssuedKey> issue(String applicationId, Instant expiresAt) {
        Timestamps.requireInRange("expiresAt", expiresAt);
        if (expiresAt != null && !expiresAt.isAfter(Instant.now())) {
            throw AdminError.VALIDATION_FAILED.with("expiresAt must be in the future");
        }
        String key = ApiKeys.generate();
        return changes.commit(log -> ApplicationService.find(applicationId).chain(app -> {
            ApiKeyEntity entity = new ApiKeyEntity();
            entity.id = UUID.randomUUID();
            entity.applicationId = app.id;
            entity.keyHash = ApiKeys.hash(key);
            entity.prefix = ApiKeys.displayPrefix(key);
            entity.createdAt = Instant.now();
            entity.expiresAt = expiresAt;
            return entity.<ApiKeyEntity>persist().invoke(log::created);
        })).map(k -> new IssuedKey(k.id.toString(), k.applicationId.toString(), key, k.prefix, k.createdAt, k.expiresAt));
    }

    @WithSession
    public Uni<List<KeyView>> listOfApplication(String applicationId) {
        return ApplicationService.find(applicationId)
                .chain(app -> ApiKeyEntity.<ApiKeyEntity>list("applicationId = ?1 order by createdAt", app.id))
                .map(all -> all.stream().map(KeyView::of).toList());
    }

    @WithSession
    public Uni<KeyView> get(String id) {
        return find(id).map(KeyView::of);
    }

    /** Revokes a key; every connected gateway refuses it within a second. Revoking a revoked key changes nothing. */
    public Uni<KeyView> revoke(String id) {
        return changes.commit(log -> find(id).invoke(k -> {
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
