package io.gatehouse.gateway.config;

/**
 * The node's current config. A volatile reference: request handlers on every event loop read it without a lock,
 * and the config client replaces it whole.
 */
public final class ConfigHolder {
    private volatile ActiveConfig current;
    private volatile String source = "none";
    private volatile long installedAtMillis;

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
        this.installedAtMillis = System.currentTimeMillis();
    }

    /** When the current config was installed (epoch millis); 0 before any. */
    public long installedAtMillis() {
        return installedAtMillis;
    }
}
