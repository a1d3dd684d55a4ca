package io.gatehouse.protocol.usage;

import java.time.Instant;

/**
 * Requests a node admitted for one subscription, under one plan, in one clock hour (UTC), and those it refused for
 * that subscription's limits. Counts add up: two records with the same key are one record with the sums.
 *
 * @param statusClasses the same requests by the class of the status they were answered with: index 0 for 1xx up to
 *                      4 for 5xx (a request whose client left before any answer is in none); null from nodes that
 *                      did not count them
 */
public record UsageRecord(
        String subscriptionId,
        String consumerId,
        String applicationId,
        String apiId,
        String planId,
        Instant hour,
        long admitted,
        long refused,
        long[] statusClasses) {

    public static final int STATUS_CLASSES = 5;

    /** Without the split by status class, as nodes before it report. */
    public UsageRecord(String subscriptionId, String consumerId, String applicationId, String apiId, String planId, Instant hour,
                       long admitted, long refused) {
        this(subscriptionId, consumerId, applicationId, apiId, planId, hour, admitted, refused, null);
    }

    /** Records are values: the counts by status class compare by content, not by array identity. */
    @Override
    public boolean equals(Object o) {
        return o instanceof UsageRecord r && admitted == r.admitted && refused == r.refused
                && java.util.Objects.equals(subscriptionId, r.subscriptionId) && java.util.Objects.equals(consumerId, r.consumerId)
                && java.util.Objects.equals(applicationId, r.applicationId) && java.util.Objects.equals(apiId, r.apiId)
                && java.util.Objects.equals(planId, r.planId) && java.util.Objects.equals(hour, r.hour)
                && java.util.Arrays.equals(statusClasses, r.statusClasses);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(subscriptionId, consumerId, applicationId, apiId, planId, hour, admitted, refused)
                * 31 + java.util.Arrays.hashCode(statusClasses);
    }

    @Override
    public String toString() {
        return "UsageRecord[subscriptionId=" + subscriptionId + ", consumerId=" + consumerId + ", applicationId=" + applicationId
                + ", apiId=" + apiId + ", planId=" + planId + ", hour=" + hour + ", admitted=" + admitted + ", refused=" + refused
                + ", statusClasses=" + java.util.Arrays.toString(statusClasses) + "]";
    }

    /** Requests answered with a status of this class (1 for 1xx … 5 for 5xx); 0 when not counted. */
    public long withStatusClass(int statusClass) {
        return statusClasses == null || statusClass < 1 || statusClass > statusClasses.length ? 0 : statusClasses[statusClass - 1];
    }

    /** The sum of this record and another with the same key. */
    public UsageRecord plus(UsageRecord other) {
        long[] classes = null;
        if (statusClasses != null || other.statusClasses != null) {
            classes = new long[STATUS_CLASSES];
            for (int c = 1; c <= STATUS_CLASSES; c++) {
                classes[c - 1] = withStatusClass(c) + other.withStatusClass(c);
            }
        }
        return new UsageRecord(subscriptionId, consumerId, applicationId, apiId, planId, hour, admitted + other.admitted,
                refused + other.refused, classes);
    }
}
