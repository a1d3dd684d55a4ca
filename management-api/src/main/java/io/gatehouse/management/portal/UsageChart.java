package io.gatehouse.management.portal;

import io.quarkus.qute.TemplateData;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests per day as stacked SVG bars, one colour per status class, laid out on the server like the console's traffic
 * chart: no script, readable by a test, and the same figures in the table beside it for screen readers.
 */
@TemplateData
public record UsageChart(List<Bar> bars, long max, List<Tick> ticks, List<Label> labels) {
    public static final int WIDTH = 760;
    public static final int HEIGHT = 240;
    static final int LEFT = 56;
    static final int RIGHT = 8;
    static final int TOP = 12;
    static final int BOTTOM = 36;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MM-dd");

    /** One part of a day's bar: a status class, its count and where it is drawn. */
    @TemplateData
    public record Segment(String statusClass, long count, double y, double height) {
    }

    @TemplateData
    public record Bar(String day, long total, double x, double width, List<Segment> segments) {
    }

    @TemplateData
    public record Tick(long value, double y) {
        public double labelY() {
            return y + 4;
        }
    }

    @TemplateData
    public record Label(String text, double x) {
    }

    public static int plotBottom() {
        return HEIGHT - BOTTOM;
    }

    public static UsageChart of(List<ApplicationUsage.Day> days) {
        long max = 0;
        for (ApplicationUsage.Day d : days) {
            max = Math.max(max, d.total());
        }
        long scale = niceCeiling(max);
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        double slot = days.isEmpty() ? plotWidth : plotWidth / days.size();
        double barWidth = Math.max(1, slot * 0.75);
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < days.size(); i++) {
            ApplicationUsage.Day d = days.get(i);
            double x = LEFT + i * slot + (slot - barWidth) / 2;
            double base = TOP + plotHeight;
            List<Segment> segments = new ArrayList<>();
            long[] counts = {d.success(), d.redirect(), d.clientError(), d.serverError(), d.informational()};
            String[] names = {"2xx", "3xx", "4xx", "5xx", "1xx"};
            for (int c = 0; c < counts.length; c++) {
                if (counts[c] == 0) {
                    continue;
                }
                double height = scale == 0 ? 0 : plotHeight * counts[c] / scale;
                base -= height;
                segments.add(new Segment(names[c], counts[c], round(base), round(height)));
            }
            bars.add(new Bar(DAY.format(d.day()), d.total(), round(x), round(barWidth), segments));
        }
        List<Tick> ticks = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            long value = scale * i / 4;
            ticks.add(new Tick(value, round(TOP + plotHeight - (scale == 0 ? 0 : plotHeight * value / scale))));
        }
        List<Label> labels = new ArrayList<>();
        int step = Math.max(1, (int) Math.ceil(bars.size() / 6.0));
        for (int i = 0; i < bars.size(); i += step) {
            labels.add(new Label(bars.get(i).day(), round(bars.get(i).x() + bars.get(i).width() / 2)));
        }
        return new UsageChart(bars, scale, ticks, labels);
    }

    /** The smallest 1, 2 or 5 × 10ⁿ at or above the value, rounded up to a multiple of 4 so the grid has whole steps. */
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
