package io.gatehouse.management.changes;

import io.gatehouse.protocol.Json;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The changes one transaction makes, noted by the service as it makes them and written with the transaction by
 * {@link io.gatehouse.management.sync.ConfigChanges}. A record's fields are read from the entity's public fields, so a
 * new column is recorded without anyone remembering to; secrets and key hashes are left out by name.
 */
public final class ChangeLog {
    /** Field names never recorded: hashes and secrets must not leak through the history. */
    private static final List<String> SECRET_PARTS = List.of("hash", "secret", "password", "token");

    public record Entry(String entityType, String entityId, java.util.UUID apiId, String action,
                        Map<String, Object> before, Map<String, Object> after) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /**
     * The fields of an entity as they are now; take this before changing it, for {@link #updated}. Declared fields are
     * read, not public ones: Quarkus's enhancement makes an entity's public fields protected behind generated accessors.
     */
    public Map<String, Object> fields(Object entity) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Field field : entity.getClass().getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers) || field.isSynthetic() || field.getName().startsWith("$$")
                    || secret(field.getName()) || field.isAnnotationPresent(NotRecorded.class)) {
                continue;
            }
            try {
                field.setAccessible(true);
                fields.put(field.getName(), plain(field.get(entity)));
            } catch (IllegalAccessException | RuntimeException e) {
                throw new IllegalStateException("cannot read " + field, e);
            }
        }
        return fields;
    }

    public void created(Object entity) {
        add("create", null, entity);
    }

    public void updated(Map<String, Object> before, Object entity) {
        add("update", before, entity);
    }

    /** A change with a name of its own (publish, revoke, approve...), so the history reads as what happened. */
    public void changed(String action, Map<String, Object> before, Object entity) {
        add(action, before, entity);
    }

    public void deleted(Object entity) {
        Map<String, Object> before = fields(entity);
        entries.add(new Entry(type(entity), id(before), apiId(entity, before), "delete", before, null));
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    private void add(String action, Map<String, Object> before, Object entity) {
        Map<String, Object> after = fields(entity);
        entries.add(new Entry(type(entity), id(after), apiId(entity, after), action, before, after));
    }

    /** The record's id; a record keyed by its API and something else (a document version, a plan) joins the two. */
    private static String id(Map<String, Object> fields) {
        if (fields.containsKey("id")) {
            return String.valueOf(fields.get("id"));
        }
        Object second = fields.containsKey("version") ? fields.get("version") : fields.get("planId");
        return fields.get("apiId") + "/" + second;
    }

    /** ApiEntity -> api, ApiKeyEntity -> api_key. */
    static String type(Object entity) {
        String name = entity.getClass().getSimpleName();
        if (name.endsWith("Entity")) {
            name = name.substring(0, name.length() - "Entity".length());
        }
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** The API a record belongs to, so an API's history can be read in one query. */
    private static UUID apiId(Object entity, Map<String, Object> fields) {
        Object id = "api".equals(type(entity)) ? fields.get("id") : fields.get("apiId");
        return id == null ? null : UUID.fromString(id.toString());
    }

    private static boolean secret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String part : SECRET_PARTS) {
            if (lower.contains(part)) {
                return true;
            }
        }
        return false;
    }

    private static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof UUID || value instanceof Instant || value instanceof Enum<?>) {
            return value.toString();
        }
        return Json.mapper().convertValue(value, Object.class);
    }
}
