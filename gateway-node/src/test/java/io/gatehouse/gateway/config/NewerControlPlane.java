package io.gatehouse.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigHash;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;

import java.util.Map;

/**
 * What a control plane one release ahead sends: every config entry carries fields this release does not know (one
 * at the top of the entry, and for an API one inside each of its upstream targets), and its content hash is taken
 * over the entries as it holds them, as {@link ConfigHash} defines (the JSON sorted, nulls left out).
 */
public final class NewerControlPlane {
    private NewerControlPlane() {
    }

    /** The message's JSON with the next release's fields on every entry (snapshot, snapshot part or delta). */
    public static ObjectNode withNewerFields(Object message) {
        ObjectNode tree = Json.mapper().valueToTree(message);
        addTo(tree);
        addTo(tree.get("snapshot"));
        addTo(tree.get("delta"));
        return tree;
    }

    /** The content hash the newer control plane computes for a snapshot whose entries carry those fields. */
    public static String newerHash(ConfigSnapshot snapshot) {
        ObjectNode tree = withNewerFields(snapshot);
        ConfigHash sum = new ConfigHash();
        for (ConfigSection section : ConfigSection.values()) {
            for (JsonNode entry : tree.withArray(section.wireName())) {
                sum.add(ConfigHash.entry(section, Json.mapper().convertValue(entry, Map.class)));
            }
        }
        return sum.hex();
    }

    private static void addTo(JsonNode container) {
        if (container == null || !container.isObject()) {
            return;
        }
        for (ConfigSection section : ConfigSection.values()) {
            JsonNode entries = container.get(section.wireName());
            if (entries != null && entries.isObject()) {
                entries = entries.get("upsert");
            }
            if (entries == null) {
                continue;
            }
            for (JsonNode entry : entries) {
                ObjectNode fields = ((ObjectNode) entry).putObject("nextRelease");
                fields.put("mode", "strict").put("weight", 3).put("section", section.wireName());
                if (section == ConfigSection.APIS) {
                    ((ObjectNode) entry).withArray("targets").forEach(target -> ((ObjectNode) target).put("zone", "eu-west-1"));
                }
            }
        }
    }
}
