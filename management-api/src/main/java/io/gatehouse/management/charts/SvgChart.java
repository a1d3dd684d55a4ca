package io.gatehouse.management.charts;

import io.quarkus.qute.TemplateData;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One chart as the {@code tags/svgChart.html} tag draws it: an SVG in a fixed view box that the browser scales, with
 * an accessible name and description, a value axis with grid lines, labels along the bottom, and series as bars
 * (stacked or overlaid rectangles), lines and dots. Every coordinate is worked out here, on the server, so no script
 * draws anything and a test can read the figures. Pages build one through {@link Frame}; the exact figures go in a
 * table beside the chart, which each page lays out for its own columns.
 *
 * @param id          prefix of the element ids: {@code <id>-title} and {@code <id>-desc} name the SVG
 * @param testId      the figure's {@code data-testid}
 * @param caption     shown under the chart; null for none
 */
@TemplateData
public record SvgChart(String id, String testId, String title, String description, String caption, int width, int height,
                       String left, String right, String baseline, String axisLabelX, List<Tick> yTicks, List<Tick> xTicks,
                       List<Bar> bars, List<Line> lines, List<Dot> dots) {

    /** A label at a position along an axis; {@code labelAt} is where its text sits across the axis. */
    @TemplateData
    public record Tick(String at, String labelAt, String label, String anchor) {
    }

    /** A {@code data-} attribute a test or a stylesheet can find an element by. */
    @TemplateData
    public record Data(String name, String value) {
    }

    /** One bar (one slot along the bottom): its tooltip and its rectangles, drawn in order. */
    @TemplateData
    public record Bar(String title, List<Rect> rects) {
    }

    @TemplateData
    public record Rect(String cssClass, String x, String y, String width, String height, List<Data> data) {
    }

    /** A series drawn as one path; a path with nothing to draw is left out. */
    @TemplateData
    public record Line(String cssClass, String d, List<Data> data) {
    }

    @TemplateData
    public record Dot(String cssClass, String x, String y, String title, List<Data> data) {
    }

    /**
     * The plot area of a view box and the value at its top: maps values and slots to coordinates, and collects what
     * the chart will hold.
     */
    public static final class Frame {
        private final int width;
        private final int height;
        private final double left;
        private final double right;
        private final double top;
        private final double bottom;
        private final double max;
        private final List<Tick> yTicks = new ArrayList<>();
        private final List<Tick> xTicks = new ArrayList<>();
        private final List<Bar> bars = new ArrayList<>();
        private final List<Line> lines = new ArrayList<>();
        private final List<Dot> dots = new ArrayList<>();
        private boolean baseline;

        /** @param max the value drawn at the top of the plot (see {@link #niceCeiling}); 0 draws everything at the bottom */
        public Frame(int width, int height, double left, double right, double top, double bottom, double max) {
            this.width = width;
            this.height = height;
            this.left = left;
            this.right = right;
            this.top = top;
            this.bottom = bottom;
            this.max = max;
        }

        public double y(double value) {
            return bottom - (bottom - top) * (max == 0 ? 0 : value / max);
        }

        /** The height a value takes from the bottom of the plot. */
        public double height(double value) {
            return bottom - y(value);
        }

        /** The x of point {@code index} of {@code count} spread from the left edge to the right one. */
        public double x(int index, int count) {
            return left + (right - left) * (count <= 1 ? 1.0 : (double) index / (count - 1));
        }

        /** The width of one of {@code count} slots along the plot. */
        public double slot(int count) {
            return count <= 0 ? right - left : (right - left) / count;
        }

        public double slotStart(int index, int count) {
            return left + index * slot(count);
        }

        /** Grid lines at 0, ¼, ½, ¾ and the top, labelled by {@code label}. */
        public Frame valueTicks(java.util.function.DoubleFunction<String> label) {
            for (int i = 0; i <= 4; i++) {
                double value = max * i / 4;
                double y = y(value);
                yTicks.add(new Tick(coordinate(y), coordinate(y + 4), label.apply(value), "end"));
            }
            return this;
        }

        /** A label under the plot at {@code x}; the last label of a row ends at its point so it stays in the view box. */
        public Frame label(double x, String text, String anchor) {
            xTicks.add(new Tick(coordinate(x), coordinate(bottom + 18), text, anchor));
            return this;
        }

        /** A line along the bottom of the plot (for bars, which stand on it). */
        public Frame baseline() {
            this.baseline = true;
            return this;
        }

        public Frame bar(String title, List<Rect> rects) {
            bars.add(new Bar(title, List.copyOf(rects)));
            return this;
        }

        public Frame line(String cssClass, String d, Data... data) {
            if (d != null && !d.isEmpty()) {
                lines.add(new Line(cssClass, d, List.of(data)));
            }
            return this;
        }

        public Frame dot(String cssClass, double x, double y, String title, Data... data) {
            dots.add(new Dot(cssClass, coordinate(x), coordinate(y), title, List.of(data)));
            return this;
        }

        public SvgChart chart(String id, String testId, String title, String description, String caption) {
            return new SvgChart(id, testId, title, description, caption, width, height, coordinate(left), coordinate(right),
                    baseline ? coordinate(bottom) : null, coordinate(left - 6), List.copyOf(yTicks), List.copyOf(xTicks),
                    List.copyOf(bars), List.copyOf(lines), List.copyOf(dots));
        }
    }

    public static Rect rect(String cssClass, double x, double y, double width, double height, Data... data) {
        return new Rect(cssClass, coordinate(x), coordinate(y), coordinate(width), coordinate(height), List.of(data));
    }

    public static Data data(String name, Object value) {
        return new Data(name, String.valueOf(value));
    }

    /** The smallest 1, 2 or 5 × 10ⁿ at or above the value (at least 1): round numbers on the value axis. */
    public static double niceCeiling(double value) {
        if (value <= 1) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** For counts: the same rounded up to a multiple of 4, so the four grid steps are whole numbers; 0 stays 0. */
    public static long niceCount(long value) {
        if (value <= 4) {
            return value == 0 ? 0 : 4;
        }
        long nice = (long) niceCeiling(value);
        return nice % 4 == 0 ? nice : nice + (4 - nice % 4);
    }

    /** A coordinate in the view box, one decimal. */
    public static String coordinate(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** 12, 2.5, 0.25: whole numbers without decimals, others with up to two. */
    public static String number(double v) {
        if (v == Math.rint(v)) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
