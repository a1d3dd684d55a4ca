package io.gatehouse.billing.rating;

/**
 * One line of a period's charge.
 *
 * @param kind        BASE (the plan's price for the period), INCLUDED (units the base covers, amount zero) or OVERAGE
 * @param description what the line is, as an invoice shows it
 * @param units       requests the line is for (1 for the base)
 * @param amount      minor units, already rounded
 */
public record LineItem(Kind kind, String description, long units, long amount) {
    public enum Kind {
        BASE, INCLUDED, OVERAGE
    }
}
