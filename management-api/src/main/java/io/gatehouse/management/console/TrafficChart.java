package io.gatehouse.management.console;

import io.gatehouse.management.audit.AuditSearch;
import io.gatehouse.management.charts.SvgChart;
import io.quarkus.qute.TemplateData;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The compliance page's chart: requests and errors per bucket as bars (errors drawn inside their bucket's requests),
 * drawn by the shared chart component, with the same figures for the table beside it.
 *
 * @param bars the buckets' figures, for the table
 */
@TemplateData
public record TrafficChart(List<Bar> bars, long requests, long errors, String unit, SvgChart svg) {
    static final int WIDTH = 760;
    static final int HEIGHT = 240;

    @TemplateData
    public record Bar(String label, long requests, long errors) {
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
        String unit = width.name().toLowerCase();
        SvgChart.Frame frame = new SvgChart.Frame(WIDTH, HEIGHT, 56, WIDTH - 8, 12, HEIGHT - 36, SvgChart.niceCount(max))
                .valueTicks(SvgChart::number).baseline();
        double slot = frame.slot(buckets.size());
        double barWidth = Math.max(1, slot * 0.8);
        // Up to five labels, evenly spread, so they never overlap whatever the bucket count.
        int labelStep = Math.max(1, (int) Math.ceil(buckets.size() / 5.0));
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            AuditSearch.Bucket b = buckets.get(i);
            String label = format.format(b.start());
            bars.add(new Bar(label, b.requests(), b.errors()));
            double x = frame.slotStart(i, buckets.size()) + (slot - barWidth) / 2;
            frame.bar(label + ": " + b.requests() + " requests, " + b.errors() + " errors", List.of(
                    SvgChart.rect("requests", x, frame.y(b.requests()), barWidth, frame.height(b.requests())),
                    SvgChart.rect("errors", x, frame.y(b.errors()), barWidth, frame.height(b.errors()))));
            if (i % labelStep == 0) {
                frame.label(x + barWidth / 2, label, "middle");
            }
        }
        SvgChart svg = frame.chart("chart", "chart", "Requests and errors per " + unit,
                requests + " requests and " + errors + " errors in " + buckets.size() + " buckets; the table below has every figure.", null);
        return new TrafficChart(bars, requests, errors, unit, svg);
    }
}
