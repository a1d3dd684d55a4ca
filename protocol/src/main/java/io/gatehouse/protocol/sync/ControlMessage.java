package io.gatehouse.protocol.sync;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSnapshot;

/** What the control plane sends to a gateway node over its config channel. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ControlMessage.Snapshot.class, name = "snapshot"),
        @JsonSubTypes.Type(value = ControlMessage.Delta.class, name = "delta")
})
public sealed interface ControlMessage {

    /** Replace whatever the node holds with this configuration. */
    record Snapshot(ConfigSnapshot snapshot) implements ControlMessage {
    }

    /** Move from {@code delta.baseVersion()} to {@code delta.version()}. */
    record Delta(ConfigDelta delta) implements ControlMessage {
    }
}
