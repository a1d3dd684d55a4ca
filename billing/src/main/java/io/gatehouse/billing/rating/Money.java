package io.gatehouse.billing.rating;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.Locale;

/**
 * An amount in a currency's minor units (cents for USD, yen for JPY, fils for KWD): always a whole number, so sums are
 * exact and nothing is lost between rating, the database, Stripe and the finance view.
 */
public record Money(String currency, long minor) {

    public Money {
        currency = currencyCode(currency);
    }

    public static Money zero(String currency) {
        return new Money(currency, 0);
    }

    public Money plus(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
        return new Money(currency, Math.addExact(minor, other.minor));
    }

    /** "12.34 USD", "1200 JPY": the minor units shown with the currency's exponent, never through a double. */
    public String format() {
        return BigDecimal.valueOf(minor, exponent(currency)).toPlainString() + " " + currency;
    }

    /** The number of digits after the decimal point of the currency's minor unit (USD 2, JPY 0, KWD 3). */
    public static int exponent(String currency) {
        int digits = Currency.getInstance(currencyCode(currency)).getDefaultFractionDigits();
        // Funds codes and gold have no minor unit in ISO 4217 (-1); Stripe does not charge in them.
        if (digits < 0) {
            throw new IllegalArgumentException("currency " + currency + " has no minor unit");
        }
        return digits;
    }

    /** An upper-case ISO 4217 code this JVM knows, or IllegalArgumentException. */
    public static String currencyCode(String code) {
        if (code == null || !code.matches("[A-Za-z]{3}")) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code such as USD or EUR");
        }
        String upper = code.toUpperCase(Locale.ROOT);
        Currency.getInstance(upper);
        return upper;
    }
}
