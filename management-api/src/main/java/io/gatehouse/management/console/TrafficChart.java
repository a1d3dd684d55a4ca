package io.gatehouse.management.console;

import io.gatehouse.management.audit.AuditSearch;
import io.quarkus.qute.TemplateData;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The compliance page's chart, laid out on the server: requests and errors per bucket as SVG bars, with the axis
 * marks and the same figures for the table beside it. Drawing it here keeps the page free of scripts and lets a
 * test read the numbers.
 */
@TemplateData
public record TrafficChart(List<Bar> bars, long max, List<Tick> ticks, List<Label> labels, long requests, long errors,
                           String unit) {
    public static final int WIDTH = 760;
    public static final int HEIGHT = 240;
    static final int LEFT = 56;
    static final int RIGHT = 8;
    static final int TOP = 12;
    static final int BOTTOM = 36;

    /** One bucket: its bar (requests), the errors bar inside it, and its label. */
    @TemplateData
    public record Bar(String label, long requests, long errors, double x, double width, double requestsY, double requestsHeight,
                      double errorsY, double errorsHeight) {
    }

    /** A horizontal grid line with its value. */
    @TemplateData
    public record Tick(long value, double y) {
        public double labelY() {
            return y + 4;
        }
    }

    /** A time label under the axis. */
    @TemplateData
    public record Label(String text, double x) {
    }

    public static int plotBottom() {
        return HEIGHT - BOTTOM;
    }

    public static TrafficChart of(List<AuditSearch.Bucket> buckets, AuditSearch.Width width) {
        DateTimeFormatter format = DateTimeFormatter.ofPattern(switch (width) {
            case HOUR -> "yyyy-MM-dd HH:00";
            case DAY -> "yyyy-MM-dd";
            case MONTH -> "yyyy-MM";
        }).withZone(ZoneOffset.UTC);
        long max = 0;
        long requests = 0;
        long errors = 0;
        for (AuditSearch.Bucket b : buckets) {
            max = Math.max(max, b.requests());
            requests += b.requests();
            errors += b.errors();
        }
        long scale = niceCeiling(max);
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        double slot = buckets.isEmpty() ? plotWidth : plotWidth / buckets.size();
        double barWidth = Math.max(1, slot * 0.8);
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            AuditSearch.Bucket b = buckets.get(i);
            double requestsHeight = scale == 0 ? 0 : plotHeight * b.requests() / scale;
            double errorsHeight = scale == 0 ? 0 : plotHeight * b.errors() / scale;
            double x = LEFT + i * slot + (slot - barWidth) / 2;
            bars.add(new Bar(format.format(b.start()), b.requests(), b.errors(), round(x), round(barWidth),
                    round(TOP + plotHeight - requestsHeight), round(requestsHeight),
                    round(TOP + plotHeight - errorsHeight), round(errorsHeight)));
        }
        List<Tick> ticks = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            long value = scale * i / 4;
            ticks.add(new Tick(value, round(TOP + plotHeight - (scale == 0 ? 0 : plotHeight * value / scale))));
        }
        List<Label> labels = new ArrayList<>();
        if (!bars.isEmpty()) {
            // Up to five labels, evenly spread, so they never overlap whatever the bucket count.
            int step = Math.max(1, (int) Math.ceil(bars.size() / 5.0));
            for (int i = 0; i < bars.size(); i += step) {
                labels.add(new Label(bars.get(i).label(), round(bars.get(i).x() + bars.get(i).width() / 2)));
            }
        }
        return new TrafficChart(bars, scale, ticks, labels, requests, errors, width.name().toLowerCase());
    }

    /** The smallest 1, 2 or 5 × 10ⁿ at or above the value (at least 4, so the grid has whole steps). */
    static long niceCeiling(long value) {
        if (value <= 4) {
            return value == 0 ? 0 : 4;
        }
        long magnitude = 1;
        while (magnitude * 10 <= value) {
            magnitude *= 10;
        }
        for (long step : new long[] {1, 2, 5, 10}) {
            if (step * magnitude >= value) {
                long nice = step * magnitude;
                return nice % 4 == 0 ? nice : nice + (4 - nice % 4);
            }
        }
        return value;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
