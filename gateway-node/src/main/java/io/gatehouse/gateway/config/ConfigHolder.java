package io.gatehouse.gateway.config;

/**
 * The node's current config. A volatile reference: request handlers on every event loop read it without a lock,
 * and the config client replaces it whole.
 */
public final class ConfigHolder {
    private volatile ActiveConfig current;
    private volatile String source = "none";

    public ActiveConfig current() {
        return current;
    }

    public boolean loaded() {
        return current != null;
    }

    public String source() {
        return source;
    }

    public void install(ActiveConfig config, String from) {
        this.current = config;
        this.source = from;
    }
}
