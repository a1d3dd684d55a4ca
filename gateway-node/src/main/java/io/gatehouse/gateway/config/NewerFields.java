package io.gatehouse.gateway.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.Changes;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The config entries of a message that carry fields this release does not know, kept as the canonical JSON they
 * arrived in (properties sorted, nulls left out: what {@link io.gatehouse.protocol.config.ConfigHash} hashes).
 *
 * <p>A control plane one release newer may add a field to an API, plan, key or subscription. The node reads the
 * entry as it understands it and serves that, but the entry's hash, the disk copy and the log keep the entry whole,
 * so the content hash the control plane computed still verifies, and a restart from disk or a later delta that
 * replaces or removes the entry still adds up. Reading costs nothing extra while the control plane sends only fields
 * this release knows: an unknown property on a config entry is noticed while parsing, and only then is the message
 * read a second time as a tree to pick out the entries that hold more.
 */
public final class NewerFields {
    public static final NewerFields NONE = new NewerFields(Map.of());
    private static final String SEEN = "gatehouse.newer-fields";
    private static final ObjectReader READER = Json.mapper().reader().withHandler(new DeserializationProblemHandler() {
        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser, JsonDeserializer<?> deserializer,
                                             Object beanOrClass, String propertyName) throws IOException {
            Class<?> type = beanOrClass instanceof Class<?> c ? c : beanOrClass.getClass();
            if (isEntryPart(type) && context.getAttribute(SEEN) instanceof boolean[] seen) {
                seen[0] = true;
            }
            parser.skipChildren();
            return true;
        }
    });

    /** Canonical JSON by {@code section wire name + '\t' + id}. */
    private final Map<String, byte[]> canonical;

    private NewerFields(Map<String, byte[]> canonical) {
        this.canonical = canonical;
    }

    /** A message as read: what this release understands, and the entries of it that hold more. */
    public record Read<T>(T message, NewerFields newer) {
    }

    public static <T> Read<T> read(String json, Class<T> type) {
        return read(json, null, type);
    }

    /** Reads a message; throws {@link Json.MalformedMessageException} as {@link Json#read} does. */
    public static <T> Read<T> read(byte[] json, Class<T> type) {
        return read(null, json, type);
    }

    private static <T> Read<T> read(String text, byte[] bytes, Class<T> type) {
        boolean[] seen = new boolean[1];
        try {
            ObjectReader reader = READER.forType(type).withAttribute(SEEN, seen);
            T message = text != null ? reader.readValue(text) : reader.readValue(bytes);
            if (!seen[0]) {
                return new Read<>(message, NONE);
            }
            JsonNode tree = text != null ? Json.mapper().readTree(text) : Json.mapper().readTree(bytes);
            Map<String, byte[]> kept = new HashMap<>();
            collect(tree, kept);
            collect(tree.get("snapshot"), kept);
            collect(tree.get("delta"), kept);
            return new Read<>(message, kept.isEmpty() ? NONE : new NewerFields(kept));
        } catch (IOException e) {
            throw new Json.MalformedMessageException(type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** One entry of the disk copy, read: its record, and whether its JSON holds fields this release does not know. */
    record Entry(Object record, boolean newer) {
    }

    static Entry readEntry(ConfigSection section, byte[] canonicalJson) {
        boolean[] seen = new boolean[1];
        try {
            Object record = READER.forType(section.type()).withAttribute(SEEN, seen).readValue(canonicalJson);
            return new Entry(record, seen[0]);
        } catch (IOException e) {
            throw new Json.MalformedMessageException(section.wireName() + ": " + e.getMessage(), e);
        }
    }

    public boolean isEmpty() {
        return canonical.isEmpty();
    }

    public int size() {
        return canonical.size();
    }

    /** The entry's canonical JSON if it holds more than its record, else null. */
    public byte[] of(ConfigSection section, String id) {
        return canonical.isEmpty() ? null : canonical.get(key(section, id));
    }

    static String key(ConfigSection section, String id) {
        return section.wireName() + '\t' + id;
    }

    /**
     * The delta's JSON with its entries whole: what the disk log keeps, so that replaying it after a restart gives
     * the hash that was acknowledged.
     */
    public byte[] deltaJson(ConfigDelta delta) {
        if (canonical.isEmpty()) {
            return Json.writeBytes(delta);
        }
        ObjectNode tree = Json.mapper().valueToTree(delta);
        for (ConfigSection section : ConfigSection.values()) {
            JsonNode upsert = tree.path(section.wireName()).path("upsert");
            if (upsert instanceof ArrayNode entries) {
                for (int i = 0; i < entries.size(); i++) {
                    byte[] whole = of(section, entries.get(i).path("id").asText());
                    if (whole != null) {
                        entries.set(i, readTree(whole));
                    }
                }
            }
        }
        return Json.writeBytes(tree);
    }

    /** Whether a type is (part of) a config entry, as opposed to the message around the entries. */
    private static boolean isEntryPart(Class<?> type) {
        return type.getPackageName().equals(ConfigSnapshot.class.getPackageName())
                && type != ConfigSnapshot.class && type != ConfigDelta.class && type != Changes.class;
    }

    private static void collect(JsonNode container, Map<String, byte[]> kept) throws IOException {
        if (container == null || !container.isObject()) {
            return;
        }
        for (ConfigSection section : ConfigSection.values()) {
            JsonNode entries = container.get(section.wireName());
            if (entries != null && entries.isObject()) {
                entries = entries.get("upsert"); // a delta's changes
            }
            if (entries == null || !entries.isArray()) {
                continue;
            }
            for (JsonNode entry : entries) {
                if (!entry.isObject()) {
                    continue;
                }
                byte[] whole = Json.writeBytes(canonical(entry));
                Object record = Json.mapper().treeToValue(entry, section.type());
                if (!Arrays.equals(whole, Json.writeBytes(record))) {
                    kept.put(key(section, entry.path("id").asText()), whole);
                }
            }
        }
    }

    /**
     * The tree as the control plane's records serialise: properties sorted by name, null properties left out. (The
     * protocol's records serialise their components only, which Jackson sorts by name when sorting is on.)
     */
    static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            names.sort(null);
            ObjectNode sorted = JsonNodeFactory.instance.objectNode();
            for (String name : names) {
                JsonNode value = node.get(name);
                if (!value.isNull()) {
                    sorted.set(name, canonical(value));
                }
            }
            return sorted;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(element -> copy.add(canonical(element)));
            return copy;
        }
        return node;
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("kept canonical JSON no longer parses", e);
        }
    }
}
