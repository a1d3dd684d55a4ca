package io.gatehouse.management;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Duration;

/** What the gateways are sent, read from the published config log: each entity's latest numbered entry. */
public final class PublishedConfig {
    private PublishedConfig() {
    }

    /** The published grant of the key with this hash; null when no published version holds it. */
    public static KeyGrant key(Pool pool, String keyHash) {
        RowIterator<Row> rows = pool.preparedQuery("""
                        select l.payload from api_keys k
                        join lateral (select payload from config_log where section = 'keys' and entity_id = k.id::text
                                      and version is not null order by version desc limit 1) l on true
                        where k.key_hash = $1""")
                .execute(Tuple.of(keyHash)).await().atMost(Duration.ofSeconds(5)).iterator();
        String payload = rows.hasNext() ? rows.next().getString("payload") : null;
        return payload == null ? null : Json.read(payload, KeyGrant.class);
    }

    /** The published grant of this subscription; null when no published version holds it. */
    public static SubscriptionGrant subscription(Pool pool, String subscriptionId) {
        RowIterator<Row> rows = pool.preparedQuery("""
                        select payload from config_log where section = 'subscriptions' and entity_id = $1 and version is not null
                        order by version desc limit 1""")
                .execute(Tuple.of(subscriptionId)).await().atMost(Duration.ofSeconds(5)).iterator();
        String payload = rows.hasNext() ? rows.next().getString("payload") : null;
        return payload == null ? null : Json.read(payload, SubscriptionGrant.class);
    }
}
