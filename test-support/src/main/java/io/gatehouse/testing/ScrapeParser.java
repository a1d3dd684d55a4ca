package io.gatehouse.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: it refuses what the format forbids
 * (bad names, bad escapes, unparsable values, a TYPE after its family's samples, a family declared twice, a series
 * twice) and what a histogram must not be (buckets not cumulative, no +Inf bucket, +Inf not equal to _count).
 */
public final class ScrapeParser {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: its metric name, labels (sorted) and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, String> types = new HashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private final Set<String> untyped = new java.util.TreeSet<>();

    private ScrapeParser() {
    }

    public static ScrapeParser parse(String text) {
        ScrapeParser parsed = new ScrapeParser();
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        Set<String> series = new java.util.HashSet<>();
        Set<String> helped = new java.util.HashSet<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("# HELP ")) {
                    String[] parts = line.substring(7).split(" ", 2);
                    name(parts[0]);
                    if (!helped.add(parts[0])) {
                        throw new IllegalArgumentException("HELP twice for " + parts[0]);
                    }
                    if (parts.length == 2) {
                        unescape(parts[1], false);
                    }
                } else if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ");
                    if (parts.length != 2 || !TYPES.contains(parts[1])) {
                        throw new IllegalArgumentException("bad TYPE line");
                    }
                    name(parts[0]);
                    if (parsed.types.put(parts[0], parts[1]) != null) {
                        throw new IllegalArgumentException("TYPE twice for " + parts[0]);
                    }
                    if (parsed.samples.stream().anyMatch(s -> family(s.name, parsed.types).equals(parts[0]))) {
                        throw new IllegalArgumentException("TYPE of " + parts[0] + " after its samples");
                    }
                } else if (line.startsWith("#")) {
                    continue;
                } else {
                    Sample sample = sample(line);
                    String family = family(sample.name, parsed.types);
                    // A sample without a TYPE line before it is untyped, which the format allows; a TYPE after it is not.
                    if (!parsed.types.containsKey(family)) {
                        parsed.untyped.add(sample.name);
                    }
                    if (!series.add(sample.name + sample.labels)) {
                        throw new IllegalArgumentException("series twice: " + sample.name + sample.labels);
                    }
                    parsed.samples.add(sample);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + lineNo + " '" + line + "': " + e.getMessage(), e);
            }
        }
        parsed.checkHistograms();
        return parsed;
    }

    /** The family a sample belongs to: a histogram's _bucket, _sum and _count series belong to the histogram. */
    private static String family(String name, Map<String, String> types) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return name;
    }

    private static void name(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name " + name);
        }
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        name(name);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!LABEL.matcher(label).matches()) {
                    throw new IllegalArgumentException("bad label name " + label);
                }
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        switch (next) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new IllegalArgumentException("bad escape \\" + next);
                        }
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected , or } after a label");
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("no value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) {
            throw new IllegalArgumentException("too many fields");
        }
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        return new Sample(name, labels, value(rest[0]));
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                if (!text.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
                    throw new IllegalArgumentException("bad value " + text);
                }
                yield Double.parseDouble(text);
            }
        };
    }

    private static String unescape(String text, boolean quotes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                char next = text.charAt(++i);
                if (next == '\\') b.append('\\');
                else if (next == 'n') b.append('\n');
                else if (quotes && next == '"') b.append('"');
                else throw new IllegalArgumentException("bad escape in HELP");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private void checkHistograms() {
        for (Map.Entry<String, String> type : types.entrySet()) {
            if (!type.getValue().equals("histogram")) {
                continue;
            }
            String name = type.getKey();
            Map<Map<String, String>, TreeMap<Double, Double>> buckets = new LinkedHashMap<>();
            for (Sample s : samples) {
                if (s.name.equals(name + "_bucket")) {
                    Map<String, String> labels = new TreeMap<>(s.labels);
                    String le = labels.remove("le");
                    if (le == null) {
                        throw new IllegalArgumentException(name + " bucket without le");
                    }
                    buckets.computeIfAbsent(labels, l -> new TreeMap<>()).put(value(le), s.value);
                }
            }
            buckets.forEach((labels, byLe) -> {
                double previous = 0;
                for (double count : byLe.values()) {
                    if (count < previous) {
                        throw new IllegalArgumentException(name + labels + ": buckets are not cumulative");
                    }
                    previous = count;
                }
                if (!byLe.containsKey(Double.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException(name + labels + ": no +Inf bucket");
                }
                double count = value(name + "_count", labels);
                if (count != byLe.get(Double.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException(name + labels + ": +Inf bucket " + byLe.get(Double.POSITIVE_INFINITY) + " but _count " + count);
                }
                value(name + "_sum", labels);
            });
        }
    }

    /** Names of samples that had no TYPE line (untyped, allowed by the format). */
    public Set<String> untyped() {
        return untyped;
    }

    public String type(String family) {
        return types.get(family);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of exactly one series; fails if there is none. */
    public double value(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && s.labels.equals(new TreeMap<>(labels))).findFirst()
                .orElseThrow(() -> new AssertionError("no series " + name + labels)).value;
    }

    /** The value of a series, or 0 when it is absent (a counter never incremented). */
    public double valueOrZero(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && s.labels.equals(new TreeMap<>(labels))).findFirst()
                .map(Sample::value).orElse(0.0);
    }

    /** Sum of a metric's series whose labels include the given ones. */
    public double sum(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }
}
