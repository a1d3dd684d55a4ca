package io.gatehouse.management.changes;

import io.gatehouse.management.http.Ids;
import io.gatehouse.protocol.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Reads change records back: an API's history for its owner, newest first. */
@ApplicationScoped
public class ChangeHistory {
    /** Enough for a page; the audit export reads everything. */
    public static final int LIMIT = 500;

    /**
     * The API's own records (the API, its subscriptions, documents and plan offers) and those of the plans it offers or
     * has subscriptions under: a plan's limits are part of what the API's subscribers get.
     */
    private static final String OF_API = """
            select seq, at, actor, actor_role, source_address, request_id, entity_type, entity_id, action, before, after
            from change_records
            where api_id = $1
               or (entity_type = 'plan' and entity_id in (
                     select plan_id::text from api_plans where api_id = $1
                     union select plan_id::text from subscriptions where api_id = $1))
            order by seq desc
            limit $2
            """;

    @Inject
    Pool pool;

    public Uni<List<ChangeView>> ofApi(String apiId) {
        UUID id = Ids.parse("API", apiId);
        return pool.preparedQuery(OF_API).execute(Tuple.of(id, LIMIT)).map(rows -> {
            List<ChangeView> views = new ArrayList<>();
            for (Row row : rows) {
                views.add(new ChangeView(row.getLong("seq"), row.getOffsetDateTime("at").toInstant(), row.getString("actor"),
                        row.getString("actor_role"), row.getString("source_address"), row.getString("request_id"),
                        row.getString("entity_type"), row.getString("entity_id"), row.getString("action"),
                        json(row.getString("before")), json(row.getString("after"))));
            }
            return views;
        });
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("a change record holds invalid JSON", e);
        }
    }
}
