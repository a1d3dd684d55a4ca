package io.gatehouse.management.billing;

import io.gatehouse.billing.rating.Money;
import io.gatehouse.management.charts.SvgChart;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The finance page's chart: charges and overage by month in one currency, drawn by the shared chart component (a
 * fixed view box, no script). Amounts are drawn in the currency's major unit; the table beside the chart has the
 * exact figures.
 *
 * @param svg the chart as the component draws it
 */
public record RevenueChart(String currency, SvgChart svg) {
    public static final int WIDTH = 640;
    public static final int HEIGHT = 222;
    public static final int LEFT = 84;
    public static final int RIGHT = 620;
    public static final int TOP = 12;
    public static final int BOTTOM = 190;

    public static List<RevenueChart> of(List<FinanceService.MonthRevenue> months) {
        List<String> currencies = new ArrayList<>();
        months.forEach(m -> m.totals().keySet().forEach(c -> {
            if (!currencies.contains(c)) {
                currencies.add(c);
            }
        }));
        return currencies.stream().sorted().map(c -> chart(c, months)).toList();
    }

    private static RevenueChart chart(String currency, List<FinanceService.MonthRevenue> months) {
        int exponent = Money.exponent(currency);
        long max = 0;
        for (FinanceService.MonthRevenue m : months) {
            FinanceService.Totals t = m.totals().get(currency);
            max = Math.max(max, t == null ? 0 : t.total());
        }
        double top = SvgChart.niceCeiling(max / Math.pow(10, exponent));
        SvgChart.Frame frame = new SvgChart.Frame(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, top).valueTicks(SvgChart::number);
        StringBuilder revenue = new StringBuilder();
        StringBuilder overage = new StringBuilder();
        for (int i = 0; i < months.size(); i++) {
            FinanceService.MonthRevenue m = months.get(i);
            FinanceService.Totals t = m.totals().get(currency);
            long total = t == null ? 0 : t.total();
            long over = t == null ? 0 : t.overage();
            double x = frame.x(i, months.size());
            double ry = frame.y(major(total, exponent));
            double oy = frame.y(major(over, exponent));
            String at = SvgChart.coordinate(x);
            revenue.append(i == 0 ? "M" : " L").append(at).append(',').append(SvgChart.coordinate(ry));
            overage.append(i == 0 ? "M" : " L").append(at).append(',').append(SvgChart.coordinate(oy));
            if (months.size() == 1) {
                revenue.append(" L").append(at).append(',').append(SvgChart.coordinate(ry));
                overage.append(" L").append(at).append(',').append(SvgChart.coordinate(oy));
            }
            if (i % 2 == (months.size() - 1) % 2) {
                frame.label(x, m.month(), i == months.size() - 1 ? "end" : "middle");
            }
            frame.dot("dot-revenue", x, ry, m.month() + ": charges " + new Money(currency, total).format(), SvgChart.data("month", m.month()));
            frame.dot("dot-overage", x, oy, m.month() + ": overage " + new Money(currency, over).format(), SvgChart.data("month", m.month()));
        }
        frame.line("series-revenue", revenue.toString(), SvgChart.data("series", "revenue"))
                .line("series-overage", overage.toString(), SvgChart.data("series", "overage"));
        FinanceService.MonthRevenue last = months.get(months.size() - 1);
        FinanceService.Totals lastTotals = last.totals().get(currency);
        String description = "Charges and overage in " + currency + " per month, " + months.get(0).month() + " to " + last.month()
                + ". " + last.month() + ": charges " + (lastTotals == null ? new Money(currency, 0).format() : lastTotals.totalDisplay())
                + ", overage " + (lastTotals == null ? new Money(currency, 0).format() : lastTotals.overageDisplay()) + ".";
        String title = "Charges and overage by month (" + currency + ")";
        return new RevenueChart(currency, frame.chart("chart-" + currency, "revenue-chart-" + currency, title, description, title));
    }

    private static double major(long minor, int exponent) {
        return BigDecimal.valueOf(minor, exponent).doubleValue();
    }
}
