package io.gatehouse.protocol.sync;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a gateway node sends to the control plane over its config channel. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = NodeMessage.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = NodeMessage.Ack.class, name = "ack"),
        @JsonSubTypes.Type(value = NodeMessage.Nack.class, name = "nack"),
        @JsonSubTypes.Type(value = NodeMessage.Heartbeat.class, name = "heartbeat")
})
public sealed interface NodeMessage {

    /**
     * First message on a connection: who the node is and what it holds (version 0 and a null hash when it holds nothing).
     */
    record Hello(String nodeId, long version, String hash, String nodeVersion) implements NodeMessage {
    }

    /** The node applied and persisted this version; {@code hash} is what it computed, not what it was told. */
    record Ack(long version, String hash) implements NodeMessage {
    }

    /** The node could not apply this version and keeps serving {@code heldVersion}. */
    record Nack(long version, long heldVersion, String code, String error) implements NodeMessage {
    }

    /** Keeps last-seen fresh while nothing else is said. */
    record Heartbeat(long version) implements NodeMessage {
    }
}
