package io.gatehouse.management.apis;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Who uses an API, as its owner sees it in the console: each subscription's consumer, application, plan and state,
 * with the application's keys by prefix only (a key is never shown again after it was issued). One query, bounded:
 * the newest subscriptions first, and at most a few keys per application.
 */
@ApplicationScoped
public class ApiConsumers {
    /** Subscriptions shown on the API's page; the admin API's paged lists have the rest. */
    public static final int LIMIT = 100;
    static final int KEYS_PER_APPLICATION = 5;

    private static final String SQL = """
            select s.id, s.status, c.username, c.email, a.name as application, p.name as plan,
                   (select count(*) from api_keys k where k.application_id = a.id and k.revoked_at is null
                      and (k.expires_at is null or k.expires_at > now())) as active_keys,
                   (select string_agg(k.prefix || case when k.revoked_at is not null then ' (revoked)'
                                                       when k.expires_at is not null and k.expires_at <= now() then ' (expired)'
                                                       else '' end, ' ' order by k.created_at desc)
                      from (select prefix, revoked_at, expires_at, created_at from api_keys
                            where application_id = a.id order by created_at desc limit $3) k) as keys
            from subscriptions s
            join applications a on a.id = s.application_id
            join consumers c on c.id = a.consumer_id
            join plans p on p.id = s.plan_id
            where s.api_id = $1
            order by s.created_at desc, s.id
            limit $2
            """;

    @Inject
    Pool pool;

    /** @param keys the newest keys' prefixes, each marked when revoked or expired */
    public record Subscriber(String subscriptionId, String status, String consumer, String email, String application, String plan,
                             long activeKeys, List<String> keys) {
    }

    public Uni<List<Subscriber>> of(String apiId) {
        return pool.preparedQuery(SQL).execute(Tuple.of(UUID.fromString(apiId), LIMIT, KEYS_PER_APPLICATION)).map(rows -> {
            List<Subscriber> out = new ArrayList<>();
            for (Row r : rows) {
                String keys = r.getString("keys");
                out.add(new Subscriber(r.getUUID("id").toString(), r.getString("status"), r.getString("username"), r.getString("email"),
                        r.getString("application"), r.getString("plan"), r.getLong("active_keys"),
                        keys == null ? List.of() : joinMarks(keys.split(" "))));
            }
            return out;
        });
    }

    /** "ghk_ab12 (revoked) ghk_cd34" split on spaces back into "ghk_ab12 (revoked)", "ghk_cd34". */
    private static List<String> joinMarks(String[] parts) {
        List<String> out = new ArrayList<>();
        for (String part : Arrays.asList(parts)) {
            if (part.startsWith("(") && !out.isEmpty()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + " " + part);
            } else if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }
}
