package io.gatehouse.management.billing;

import io.gatehouse.billing.rating.Money;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The finance page's chart: charges and overage by month in one currency, as SVG coordinates in a fixed view box that
 * the template draws (the canary chart's layout: no script draws anything). Amounts are drawn in the currency's major
 * unit; the table beside the chart has the exact figures.
 */
public record RevenueChart(String currency, String title, String description, List<Tick> yTicks, List<Tick> xTicks,
                           String revenuePath, String overagePath, List<Point> points) {
    public static final int WIDTH = 640;
    public static final int HEIGHT = 222;
    public static final int LEFT = 84;
    public static final int RIGHT = 620;
    public static final int TOP = 12;
    public static final int BOTTOM = 190;

    /** A label at a position along an axis; {@code labelAt} is where its text sits across it. */
    public record Tick(String at, String labelAt, String label, String anchor) {
    }

    /** One month's dot with its figures, for the table and the tooltips. */
    public record Point(String month, String x, String revenueY, String overageY, String revenue, String overage) {
    }

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
        double top = niceCeiling(max / Math.pow(10, exponent));
        List<Tick> yTicks = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            double v = top * i / 4;
            double y = y(v, top);
            yTicks.add(new Tick(coordinate(y), coordinate(y + 5), format(v), "end"));
        }
        List<Tick> xTicks = new ArrayList<>();
        List<Point> points = new ArrayList<>();
        StringBuilder revenue = new StringBuilder();
        StringBuilder overage = new StringBuilder();
        for (int i = 0; i < months.size(); i++) {
            FinanceService.MonthRevenue m = months.get(i);
            FinanceService.Totals t = m.totals().get(currency);
            long total = t == null ? 0 : t.total();
            long over = t == null ? 0 : t.overage();
            double x = x(i, months.size());
            double ry = y(major(total, exponent), top);
            double oy = y(major(over, exponent), top);
            revenue.append(i == 0 ? "M" : " L").append(coordinate(x)).append(',').append(coordinate(ry));
            overage.append(i == 0 ? "M" : " L").append(coordinate(x)).append(',').append(coordinate(oy));
            if (months.size() == 1) {
                revenue.append(" L").append(coordinate(x)).append(',').append(coordinate(ry));
                overage.append(" L").append(coordinate(x)).append(',').append(coordinate(oy));
            }
            if (i % 2 == (months.size() - 1) % 2) {
                xTicks.add(new Tick(coordinate(x), coordinate(BOTTOM + 22), m.month(), i == months.size() - 1 ? "end" : "middle"));
            }
            points.add(new Point(m.month(), coordinate(x), coordinate(ry), coordinate(oy), new Money(currency, total).format(),
                    new Money(currency, over).format()));
        }
        FinanceService.MonthRevenue last = months.get(months.size() - 1);
        FinanceService.Totals lastTotals = last.totals().get(currency);
        String description = "Charges and overage in " + currency + " per month, " + months.get(0).month() + " to " + last.month()
                + ". " + last.month() + ": charges " + (lastTotals == null ? new Money(currency, 0).format() : lastTotals.totalDisplay())
                + ", overage " + (lastTotals == null ? new Money(currency, 0).format() : lastTotals.overageDisplay()) + ".";
        return new RevenueChart(currency, "Charges and overage by month (" + currency + ")", description, yTicks, xTicks,
                revenue.toString(), overage.toString(), points);
    }

    private static double major(long minor, int exponent) {
        return BigDecimal.valueOf(minor, exponent).doubleValue();
    }

    static double x(int index, int count) {
        return LEFT + (RIGHT - LEFT) * (count <= 1 ? 1.0 : (double) index / (count - 1));
    }

    static double y(double value, double top) {
        return BOTTOM - (BOTTOM - TOP) * (top == 0 ? 0 : value / top);
    }

    /** The smallest 1, 2 or 5 × 10^n at or above the value (at least 1). */
    static double niceCeiling(double value) {
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

    private static String coordinate(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String format(double v) {
        if (v == Math.rint(v)) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
