package io.gatehouse.protocol.config;

/** The four kinds of entry a configuration is made of, by the name they carry on the wire and in the change log. */
public enum ConfigSection {
    APIS("apis", ApiDefinition.class),
    PLANS("plans", PlanDefinition.class),
    KEYS("keys", KeyGrant.class),
    SUBSCRIPTIONS("subscriptions", SubscriptionGrant.class);

    private final String wireName;
    private final Class<? extends Identified> type;

    ConfigSection(String wireName, Class<? extends Identified> type) {
        this.wireName = wireName;
        this.type = type;
    }

    public String wireName() {
        return wireName;
    }

    public Class<? extends Identified> type() {
        return type;
    }

    public static ConfigSection ofWireName(String name) {
        for (ConfigSection section : values()) {
            if (section.wireName.equals(name)) {
                return section;
            }
        }
        throw new IllegalArgumentException("no config section " + name);
    }
}
