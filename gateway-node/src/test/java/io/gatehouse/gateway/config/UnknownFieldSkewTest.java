package io.gatehouse.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.gateway.TestSupport;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigHash;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A node one release behind its control plane reads a config whose API entry carries a field this node does not
 * know (here {@code rateLimitHeaders}, standing for whatever the next release adds; the CORS rule was such a field
 * for nodes older than it). What the node does is the version-skew contract of docs/operations.md ("Upgrades"):
 * it reads the entry (unknown fields are ignored, never a parse error), but its content hash is computed over the
 * entry as it understands it, so while the new field is set the hashes differ and the node refuses the config with
 * {@code hash_mismatch}, keeping the version it serves; while the field is absent, the hashes agree.
 */
class UnknownFieldSkewTest {

    /** The newer control plane's hash of an entry: the same definition, over the JSON it holds (sorted, no nulls). */
    static byte[] newerControlPlaneEntryHash(JsonNode entry) {
        return ConfigHash.entry(ConfigSection.APIS, Json.mapper().convertValue(entry, Map.class));
    }

    @Test
    void anEntryWithAFieldTheNodeDoesNotKnowIsReadButItsHashDiffersSoTheNodeRefusesTheConfig() throws Exception {
        ApiDefinition orders = TestSupport.api("orders", null, "/orders", "http://127.0.0.1:9");
        ConfigSnapshot published = TestSupport.snapshot(7, List.of(orders), List.of(), List.of());
        ObjectNode message = (ObjectNode) Json.mapper().readTree(Json.write(published));
        ObjectNode entry = (ObjectNode) message.withArray("apis").get(0);

        // The simulation is faithful: without the new field the newer control plane's entry hash is the node's own.
        assertThat(newerControlPlaneEntryHash(entry)).isEqualTo(ConfigHash.entry(ConfigSection.APIS, orders));

        entry.putObject("rateLimitHeaders").put("draft", 8);
        ConfigHash newerHash = ConfigHash.parse(published.hash());
        newerHash.replace(ConfigHash.entry(ConfigSection.APIS, orders), newerControlPlaneEntryHash(entry));
        message.put("hash", newerHash.hex());

        ConfigSnapshot read = Json.read(Json.mapper().writeValueAsBytes(message), ConfigSnapshot.class);
        assertThat(read.apis()).as("the unknown field is ignored, the rest of the entry read as sent").containsExactly(orders);
        assertThat(ConfigHash.entry(ConfigSection.APIS, read.apis().get(0)))
                .as("the node hashes what it understands").isNotEqualTo(newerControlPlaneEntryHash(entry));

        InvalidConfigException refused = catchThrowableOfType(InvalidConfigException.class, () -> ActiveConfig.compile(read));
        assertThat(refused).as("the config is refused, not half-applied").isNotNull();
        assertThat(refused.code()).isEqualTo("hash_mismatch");

        // The same message from the newer control plane with the field absent (an API that does not use it): accepted.
        entry.remove("rateLimitHeaders");
        message.put("hash", published.hash());
        ActiveConfig accepted = ActiveConfig.compile(Json.read(Json.mapper().writeValueAsBytes(message), ConfigSnapshot.class));
        assertThat(accepted.hash()).isEqualTo(published.hash());
    }
}
