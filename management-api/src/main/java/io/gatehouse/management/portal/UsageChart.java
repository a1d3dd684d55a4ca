package io.gatehouse.management.portal;

import io.gatehouse.management.charts.SvgChart;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests per day as stacked bars, one colour per status class, drawn by the shared chart component; the page's
 * table has the same figures for screen readers.
 */
public final class UsageChart {
    static final int WIDTH = 760;
    static final int HEIGHT = 240;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MM-dd");

    private UsageChart() {
    }

    public static SvgChart of(String apiId, String apiName, String apiVersion, long requests, List<ApplicationUsage.Day> days) {
        long max = 0;
        for (ApplicationUsage.Day d : days) {
            max = Math.max(max, d.total());
        }
        SvgChart.Frame frame = new SvgChart.Frame(WIDTH, HEIGHT, 56, WIDTH - 8, 12, HEIGHT - 36, SvgChart.niceCount(max))
                .valueTicks(SvgChart::number).baseline();
        double slot = frame.slot(days.size());
        double barWidth = Math.max(1, slot * 0.75);
        int labelStep = Math.max(1, (int) Math.ceil(days.size() / 6.0));
        String[] names = {"2xx", "3xx", "4xx", "5xx", "1xx"};
        for (int i = 0; i < days.size(); i++) {
            ApplicationUsage.Day d = days.get(i);
            double x = frame.slotStart(i, days.size()) + (slot - barWidth) / 2;
            long[] counts = {d.success(), d.redirect(), d.clientError(), d.serverError(), d.informational()};
            List<SvgChart.Rect> segments = new ArrayList<>();
            double below = 0;
            for (int c = 0; c < counts.length; c++) {
                if (counts[c] == 0) {
                    continue;
                }
                double height = frame.height(counts[c]);
                below += height;
                segments.add(SvgChart.rect("s" + names[c], x, frame.y(0) - below, barWidth, height,
                        SvgChart.data("status-class", names[c]), SvgChart.data("count", counts[c])));
            }
            String day = DAY.format(d.day());
            frame.bar(day + ": " + d.total() + " requests", segments);
            if (i % labelStep == 0) {
                frame.label(x + barWidth / 2, day, "middle");
            }
        }
        return frame.chart("chart-" + apiId, "usage-chart", "Requests per day to " + apiName + " " + apiVersion,
                requests + " requests in 30 days; the table below has every figure.", null);
    }
}
