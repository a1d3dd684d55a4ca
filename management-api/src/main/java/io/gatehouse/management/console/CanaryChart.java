package io.gatehouse.management.console;

import io.gatehouse.management.apis.CanaryHistory;
import io.gatehouse.management.charts.SvgChart;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One chart of the canary page: a metric of both variants over the last hour, one point per minute, drawn by the
 * shared chart component (coordinates in a fixed view box that the browser scales to the screen).
 *
 * @param id  short name, used for element ids ("requests", "errors", "p99")
 * @param svg the chart as the component draws it
 */
public record CanaryChart(String id, SvgChart svg) {
    public static final int WIDTH = 640;
    public static final int HEIGHT = 222;
    public static final int LEFT = 64;
    public static final int RIGHT = 628;
    public static final int TOP = 12;
    public static final int BOTTOM = 190;
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** One variant's figures as the table shows them. */
    public record Cells(long requests, long errors, String errorPercent, String p99) {
        static Cells of(CanaryHistory.Figures f) {
            return new Cells(f.requests(), f.errors(), f.requests() == 0 ? "–" : f.errorPercent() + "%", CanaryChart.p99(f));
        }
    }

    /** A row of the table beside the charts: a minute (HH:mm, UTC) or a total, and both variants' figures. */
    public record Row(String label, Cells stable, Cells canary) {
    }

    /** The minutes that had requests, newest first: the same figures the charts draw. */
    public static List<Row> rows(CanaryHistory.Window window) {
        List<Row> rows = new ArrayList<>();
        for (int i = window.minutes().size() - 1; i >= 0; i--) {
            CanaryHistory.Minute m = window.minutes().get(i);
            if (m.hasTraffic()) {
                rows.add(new Row(HH_MM.format(m.start()), Cells.of(m.stable()), Cells.of(m.canary())));
            }
        }
        return rows;
    }

    public static Row total(CanaryHistory.Window window) {
        return new Row("Last hour", Cells.of(window.stableTotal()), Cells.of(window.canaryTotal()));
    }

    /** "≤ 50 ms" (the bucket's upper bound), "> 10000 ms" past the last bound, "–" without requests. */
    static String p99(CanaryHistory.Figures f) {
        if (f.requests() == 0 || f.p99Ms() == null) {
            return "–";
        }
        return (f.p99OverLastBound() ? "> " : "≤ ") + f.p99Ms() + " ms";
    }

    /** The three charts of the page: requests per minute, error rate, and p99 latency. */
    public static List<CanaryChart> of(CanaryHistory.Window window) {
        return List.of(
                chart(window, "requests", "Requests per minute", "requests", "",
                        f -> f.requests() == 0 ? 0.0 : (double) f.requests(), true),
                chart(window, "errors", "Error rate (% of requests answered 5xx or not at all)", "% errors", "%",
                        f -> f.requests() == 0 ? null : f.errorRate() * 100, false),
                chart(window, "p99", "99th percentile latency (ms, upper bound of its bucket)", "ms at p99", " ms",
                        f -> f.p99Ms() == null ? null : (double) f.p99Ms(), false));
    }

    private static CanaryChart chart(CanaryHistory.Window window, String id, String title, String unit, String suffix,
                                     Function<CanaryHistory.Figures, Double> value, boolean zeroWhenIdle) {
        List<CanaryHistory.Minute> minutes = window.minutes();
        List<Double> stable = new ArrayList<>();
        List<Double> canary = new ArrayList<>();
        double max = 0;
        for (CanaryHistory.Minute m : minutes) {
            Double s = value.apply(m.stable());
            Double c = value.apply(m.canary());
            stable.add(s);
            canary.add(c);
            max = Math.max(max, Math.max(s == null ? 0 : s, c == null ? 0 : c));
        }
        double top = SvgChart.niceCeiling(max);
        SvgChart.Frame frame = new SvgChart.Frame(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, top).valueTicks(v -> format(v) + suffix);
        for (int i = 0; i < minutes.size(); i += 15) {
            frame.label(x(i, minutes.size()), HH_MM.format(minutes.get(i).start()), "middle");
        }
        // The last label ends at its minute so it stays inside the view box.
        frame.label(x(minutes.size() - 1, minutes.size()), HH_MM.format(minutes.get(minutes.size() - 1).start()), "end");
        String description = "Last hour, one point per minute (UTC). " + peak("Stable", stable, minutes, unit)
                + " " + peak("Canary", canary, minutes, unit)
                + (zeroWhenIdle ? "" : " Minutes without requests have no point.");
        frame.line("series-stable", path(stable, top), SvgChart.data("variant", "stable"))
                .line("series-canary", path(canary, top), SvgChart.data("variant", "canary"));
        return new CanaryChart(id, frame.chart("chart-" + id, "chart-" + id, title, description, title));
    }

    /** "Stable: highest 120 requests at 05:14." or "Stable: no requests." */
    private static String peak(String variant, List<Double> values, List<CanaryHistory.Minute> minutes, String unit) {
        int at = -1;
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) != null && (at < 0 || values.get(i) > values.get(at))) {
                at = i;
            }
        }
        boolean any = minutes.stream().anyMatch(m -> (variant.equals("Stable") ? m.stable() : m.canary()).requests() > 0);
        if (at < 0 || !any) {
            return variant + ": no requests.";
        }
        return variant + ": highest " + format(values.get(at)) + " " + unit + " at " + HH_MM.format(minutes.get(at).start()) + ".";
    }

    /**
     * Lines between consecutive minutes that have a value; a minute without one breaks the line. Each run starts
     * with a zero-length segment so that a lone minute still shows as a dot (the stroke has round caps).
     */
    static String path(List<Double> values, double top) {
        StringBuilder d = new StringBuilder();
        boolean drawing = false;
        for (int i = 0; i < values.size(); i++) {
            Double v = values.get(i);
            if (v == null) {
                drawing = false;
                continue;
            }
            String point = coordinate(x(i, values.size())) + "," + coordinate(y(v, top));
            if (!drawing) {
                d.append(d.isEmpty() ? "" : " ").append('M').append(point).append(" L").append(point);
                drawing = true;
            } else {
                d.append(" L").append(point);
            }
        }
        return d.toString();
    }

    static double x(int index, int count) {
        return LEFT + (RIGHT - LEFT) * (count <= 1 ? 1.0 : (double) index / (count - 1));
    }

    static double y(double value, double top) {
        return BOTTOM - (BOTTOM - TOP) * (top == 0 ? 0 : value / top);
    }

    private static String coordinate(double v) {
        return SvgChart.coordinate(v);
    }

    /** 12, 2.5, 0.25: whole numbers without decimals, small ones with up to two. */
    static String format(double v) {
        return SvgChart.number(v);
    }
}
