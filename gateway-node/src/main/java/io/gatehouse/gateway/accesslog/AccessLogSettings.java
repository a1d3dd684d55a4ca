package io.gatehouse.gateway.accesslog;

import java.util.function.UnaryOperator;

/**
 * Where the access log goes and how much of it.
 *
 * @param target        {@code stdout} (the default, for container log collectors), {@code off}, or a file path
 * @param sampleSuccess the fraction of answered requests below 400 that are logged (0 to 1); errors always are
 * @param queueCapacity lines waiting for the writer thread; beyond it lines are dropped and counted, never waited for
 */
public record AccessLogSettings(String target, double sampleSuccess, int queueCapacity) {

    public boolean enabled() {
        return !"off".equalsIgnoreCase(target);
    }

    /** @param property a setting's value by property name, or null when it is not set */
    public static AccessLogSettings load(UnaryOperator<String> property) {
        String target = property.apply("gatehouse.access-log");
        String sample = property.apply("gatehouse.access-log.sample");
        String capacity = property.apply("gatehouse.access-log.queue-capacity");
        AccessLogSettings settings = new AccessLogSettings(target == null ? "stdout" : target,
                sample == null ? 1.0 : Double.parseDouble(sample), capacity == null ? 65_536 : Integer.parseInt(capacity));
        if (!(settings.sampleSuccess >= 0 && settings.sampleSuccess <= 1) || settings.queueCapacity <= 0) {
            throw new IllegalArgumentException("gatehouse.access-log.sample must be from 0 to 1 and gatehouse.access-log.queue-capacity positive");
        }
        return settings;
    }
}
