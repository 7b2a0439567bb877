package io.imagegate.gateway.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/** The date formats of S3: RFC 1123 in headers, ISO 8601 with milliseconds in XML. */
public final class HttpDates {

    private static final DateTimeFormatter RFC_1123 =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.US).withZone(ZoneOffset.UTC);

    private HttpDates() {}

    public static String rfc1123(Instant t) {
        return RFC_1123.format(t);
    }

    public static String iso8601(Instant t) {
        return ISO_MILLIS.format(t);
    }

    /**
     * Parses an HTTP date as clients send it (RFC 1123, RFC 850 or asctime); empty when it is
     * not a date, which S3 treats as an absent condition.
     */
    public static Optional<Instant> parseHttpDate(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        try {
            return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            // fall through to the obsolete forms
        }
        for (String pattern : new String[] {"EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"}) {
            try {
                DateTimeFormatter f = DateTimeFormatter.ofPattern(pattern, Locale.US).withZone(ZoneOffset.UTC);
                return Optional.of(ZonedDateTime.parse(v, f).toInstant());
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        try {
            return Optional.of(Instant.parse(v));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** HTTP dates have whole seconds; comparisons with stored times must drop the millis. */
    public static Instant toSeconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS);
    }
}
