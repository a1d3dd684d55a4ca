package io.gatehouse.management.audit;

import io.agroal.api.AgroalDataSource;
import io.quarkus.qute.TemplateData;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the compliance page reads from the store: records matching a filter, newest first, a page at a time, and the
 * requests and errors per time bucket over the range. Reads the store as it is; verifying it is the verify command's.
 */
@ApplicationScoped
public class AuditSearch {
    public static final int PAGE_SIZE = 50;

    /**
     * What to look for. Times are a half-open range [from, to); the others are exact matches when set.
     *
     * @param status a status class ({@code 2xx} … {@code 5xx}), {@code errors} (4xx, 5xx and no answer), or one code
     */
    @TemplateData
    public record Filter(Instant from, Instant to, String apiId, String consumerId, String status, String requestId) {
    }

    /** One record as the page lists it. */
    @TemplateData
    public record Row(String requestId, Instant time, String nodeId, String consumerId, String applicationId, String apiId,
                      String operation, String method, String path, int status, String errorCode, long latencyMicros,
                      long bytesIn, long bytesOut, String clientAddress) {
        public boolean error() {
            return AuditSearch.isError(status);
        }

        public String latencyMillis() {
            return String.format(java.util.Locale.ROOT, "%.1f", latencyMicros / 1000.0);
        }
    }

    /** A page of rows, and whether older ones follow. */
    @TemplateData
    public record Page(List<Row> rows, int number, boolean hasNext) {
        /** The page number as people count, from 1. */
        public int shown() {
            return number + 1;
        }
    }

    /** Requests and errors in one bucket of time. */
    @TemplateData
    public record Bucket(Instant start, long requests, long errors) {
    }

    /** The bucket width for a range: hours up to three days, days up to three months, months beyond. */
    public enum Width {
        HOUR("hour", ChronoUnit.HOURS), DAY("day", ChronoUnit.DAYS), MONTH("month", ChronoUnit.MONTHS);

        final String sql;
        final ChronoUnit unit;

        Width(String sql, ChronoUnit unit) {
            this.sql = sql;
            this.unit = unit;
        }

        public static Width of(Instant from, Instant to) {
            Duration range = Duration.between(from, to);
            if (range.compareTo(Duration.ofDays(3)) <= 0) return HOUR;
            if (range.compareTo(Duration.ofDays(93)) <= 0) return DAY;
            return MONTH;
        }

        LocalDateTime truncate(LocalDateTime time) {
            return this == MONTH ? time.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1) : time.truncatedTo(unit);
        }

        LocalDateTime next(LocalDateTime time) {
            return time.plus(1, unit);
        }
    }

    /** What counts as an error on the chart: the client got a 4xx or 5xx, or no answer at all (status 0). */
    static boolean isError(int status) {
        return status >= 400 || status == 0;
    }

    @Inject
    AgroalDataSource dataSource;

    public Page search(Filter filter, int page) throws SQLException {
        List<Object> params = new ArrayList<>();
        String where = where(filter, params);
        String sql = "select request_id, at, node_id, consumer_id, application_id, api_id, operation, method, path, status,"
                + " error_code, latency_micros, bytes_in, bytes_out, client_address from audit_records" + where
                + " order by at desc, request_id desc limit " + (PAGE_SIZE + 1) + " offset " + ((long) Math.max(0, page) * PAGE_SIZE);
        List<Row> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); PreparedStatement st = connection.prepareStatement(sql)) {
            bind(st, params);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                            rs.getInt(10), rs.getString(11), rs.getLong(12), rs.getLong(13), rs.getLong(14), rs.getString(15)));
                }
            }
        }
        boolean more = rows.size() > PAGE_SIZE;
        return new Page(more ? rows.subList(0, PAGE_SIZE) : rows, Math.max(0, page), more);
    }

    /** Every bucket of the range in order, empty ones included, so the chart's gaps are real gaps. */
    public List<Bucket> histogram(Filter filter, Width width) throws SQLException {
        List<Object> params = new ArrayList<>();
        String where = where(filter, params);
        String sql = "select date_trunc('" + width.sql + "', at at time zone 'UTC'), count(*),"
                + " count(*) filter (where status >= 400 or status = 0) from audit_records" + where + " group by 1";
        Map<LocalDateTime, long[]> counted = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection(); PreparedStatement st = connection.prepareStatement(sql)) {
            bind(st, params);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    counted.put(rs.getObject(1, LocalDateTime.class), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
        }
        List<Bucket> buckets = new ArrayList<>();
        LocalDateTime end = LocalDateTime.ofInstant(filter.to(), ZoneOffset.UTC);
        for (LocalDateTime t = width.truncate(LocalDateTime.ofInstant(filter.from(), ZoneOffset.UTC)); t.isBefore(end); t = width.next(t)) {
            long[] c = counted.getOrDefault(t, new long[2]);
            buckets.add(new Bucket(t.toInstant(ZoneOffset.UTC), c[0], c[1]));
        }
        return buckets;
    }

    private static String where(Filter filter, List<Object> params) {
        StringBuilder where = new StringBuilder(" where at >= ? and at < ?");
        params.add(filter.from().atOffset(ZoneOffset.UTC));
        params.add(filter.to().atOffset(ZoneOffset.UTC));
        if (filter.apiId() != null) {
            where.append(" and api_id = ?");
            params.add(filter.apiId());
        }
        if (filter.consumerId() != null) {
            where.append(" and consumer_id = ?");
            params.add(filter.consumerId());
        }
        if (filter.requestId() != null) {
            where.append(" and request_id = ?");
            params.add(filter.requestId());
        }
        String status = filter.status();
        if (status != null) {
            if (status.equals("errors")) {
                where.append(" and (status >= 400 or status = 0)");
            } else if (status.matches("[1-5]xx")) {
                int base = (status.charAt(0) - '0') * 100;
                where.append(" and status >= ? and status < ?");
                params.add(base);
                params.add(base + 100);
            } else {
                where.append(" and status = ?");
                params.add(Integer.parseInt(status));
            }
        }
        return where.toString();
    }

    /** Whether a status filter is one the search understands. */
    public static boolean validStatus(String status) {
        return status == null || status.equals("errors") || status.matches("[1-5]xx") || status.matches("0|[1-5][0-9][0-9]");
    }

    private static void bind(PreparedStatement st, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            st.setObject(i + 1, params.get(i));
        }
    }
}
