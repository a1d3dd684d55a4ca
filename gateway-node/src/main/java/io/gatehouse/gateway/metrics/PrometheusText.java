package io.gatehouse.gateway.metrics;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): {@code # HELP} and {@code # TYPE} once per metric,
 * then one sample per line, label values escaped. Written once per scrape, never on the request path.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final StringBuilder out = new StringBuilder(8192);

    PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\n') {
                out.append("\\n");
            } else {
                out.append(c);
            }
        }
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** @param labels name, value, name, value, … */
    PrometheusText sample(String name, double value, String... labels) {
        return sample(name, number(value), labels);
    }

    PrometheusText sample(String name, long value, String... labels) {
        return sample(name, Long.toString(value), labels);
    }

    private PrometheusText sample(String name, String value, String... labels) {
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"");
                escape(labels[i + 1]);
                out.append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    /** The histogram's {@code _bucket}, {@code _sum} and {@code _count} series under the given labels. */
    PrometheusText histogram(String name, LatencyHistogram histogram, String... labels) {
        long[] cumulative = histogram.cumulative();
        String[] withLe = java.util.Arrays.copyOf(labels, labels.length + 2);
        withLe[labels.length] = "le";
        for (int i = 0; i < cumulative.length; i++) {
            withLe[labels.length + 1] = LatencyHistogram.LE[i];
            sample(name + "_bucket", cumulative[i], withLe);
        }
        sample(name + "_sum", histogram.sumSeconds(), labels);
        return sample(name + "_count", cumulative[cumulative.length - 1], labels);
    }

    private void escape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return java.math.BigDecimal.valueOf(value).toPlainString();
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
