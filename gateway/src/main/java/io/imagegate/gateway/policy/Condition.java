package io.imagegate.gateway.policy;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One test of a statement's Condition block: an operator applied to one key and its values. The
 * test holds when the request's value matches any of the values, or, for a negated operator, none
 * of them. A key the request lacks fails the test, except under a negated operator, {@code Null}
 * ({@code "true"}), or an {@code ...IfExists} operator, as in AWS.
 */
record Condition(Operator operator, boolean ifExists, String key, List<String> values, List<Pattern> patterns,
                 List<Cidr> networks) {

    /** The condition operators imagegate evaluates. */
    enum Operator {
        STRING_EQUALS("StringEquals", false), STRING_NOT_EQUALS("StringNotEquals", true),
        STRING_EQUALS_IGNORE_CASE("StringEqualsIgnoreCase", false),
        STRING_NOT_EQUALS_IGNORE_CASE("StringNotEqualsIgnoreCase", true),
        STRING_LIKE("StringLike", false), STRING_NOT_LIKE("StringNotLike", true),
        NUMERIC_EQUALS("NumericEquals", false), NUMERIC_NOT_EQUALS("NumericNotEquals", true),
        NUMERIC_LESS_THAN("NumericLessThan", false), NUMERIC_LESS_THAN_EQUALS("NumericLessThanEquals", false),
        NUMERIC_GREATER_THAN("NumericGreaterThan", false),
        NUMERIC_GREATER_THAN_EQUALS("NumericGreaterThanEquals", false),
        BOOL("Bool", false),
        IP_ADDRESS("IpAddress", false), NOT_IP_ADDRESS("NotIpAddress", true),
        NULL("Null", false);

        final String written;
        final boolean negated;

        Operator(String written, boolean negated) {
            this.written = written;
            this.negated = negated;
        }

        static Operator named(String written) {
            for (Operator o : values()) {
                if (o.written.equals(written)) {
                    return o;
                }
            }
            return null;
        }

        boolean numeric() {
            return name().startsWith("NUMERIC");
        }

        boolean ip() {
            return this == IP_ADDRESS || this == NOT_IP_ADDRESS;
        }
    }

    /** Whether the request, whose keys {@code keys} gives (lower-case name to value, null when absent), passes. */
    boolean holds(Function<String, String> keys) {
        String value = keys.apply(key);
        if (operator == Operator.NULL) {
            boolean absent = value == null;
            return values.stream().anyMatch(v -> Boolean.parseBoolean(v) == absent);
        }
        if (value == null) {
            return ifExists || operator.negated;
        }
        boolean any = false;
        for (int i = 0; i < values.size() && !any; i++) {
            any = matches(i, value, keys);
        }
        return operator.negated != any;
    }

    private boolean matches(int i, String value, Function<String, String> keys) {
        return switch (operator) {
            case STRING_EQUALS, STRING_NOT_EQUALS -> value.equals(values.get(i));
            case STRING_EQUALS_IGNORE_CASE, STRING_NOT_EQUALS_IGNORE_CASE -> value.equalsIgnoreCase(values.get(i));
            case STRING_LIKE, STRING_NOT_LIKE -> patterns.get(i).matches(value, keys);
            case BOOL -> value.equalsIgnoreCase(values.get(i));
            case IP_ADDRESS, NOT_IP_ADDRESS -> networks.get(i).contains(value);
            case NUMERIC_EQUALS, NUMERIC_NOT_EQUALS, NUMERIC_LESS_THAN, NUMERIC_LESS_THAN_EQUALS, NUMERIC_GREATER_THAN,
                 NUMERIC_GREATER_THAN_EQUALS -> compareNumbers(value, values.get(i));
            case NULL -> throw new IllegalStateException("Null is decided on presence");
        };
    }

    private boolean compareNumbers(String value, String bound) {
        BigDecimal v;
        try {
            v = new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            return false;
        }
        int c = v.compareTo(new BigDecimal(bound));
        return switch (operator) {
            case NUMERIC_EQUALS, NUMERIC_NOT_EQUALS -> c == 0;
            case NUMERIC_LESS_THAN -> c < 0;
            case NUMERIC_LESS_THAN_EQUALS -> c <= 0;
            case NUMERIC_GREATER_THAN -> c > 0;
            case NUMERIC_GREATER_THAN_EQUALS -> c >= 0;
            default -> false;
        };
    }

    /** An address range of IpAddress / NotIpAddress: {@code 203.0.113.0/24}, {@code 2001:db8::/32}, or one address. */
    record Cidr(byte[] network, int bits) {

        /** @throws MalformedPolicyException "Invalid IP address in Conditions" */
        static Cidr parse(String written) {
            String s = written.trim();
            int slash = s.indexOf('/');
            byte[] bytes = literal(slash < 0 ? s : s.substring(0, slash));
            if (bytes == null) {
                throw new MalformedPolicyException("Invalid IP address in Conditions");
            }
            int bits = bytes.length * 8;
            if (slash >= 0) {
                String b = s.substring(slash + 1);
                if (!b.matches("\\d{1,3}") || Integer.parseInt(b) > bytes.length * 8) {
                    throw new MalformedPolicyException("Invalid IP address in Conditions");
                }
                bits = Integer.parseInt(b);
            }
            return new Cidr(bytes, bits);
        }

        /**
         * The bytes of a literal IPv4 (dotted quad) or IPv6 address, or null. Never a name lookup:
         * IPv4 is parsed here, and the JDK takes a string holding a colon as an IPv6 literal only.
         */
        static byte[] literal(String address) {
            if (address.indexOf(':') >= 0) {
                if (!address.matches("[0-9A-Fa-f:.]+")) {
                    return null;
                }
                try {
                    return InetAddress.getByName(address).getAddress();
                } catch (java.net.UnknownHostException e) {
                    return null;
                }
            }
            String[] parts = address.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            byte[] out = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (!parts[i].matches("\\d{1,3}") || Integer.parseInt(parts[i]) > 255) {
                    return null;
                }
                out[i] = (byte) Integer.parseInt(parts[i]);
            }
            return out;
        }

        boolean contains(String address) {
            byte[] a = literal(address);
            if (a == null) {
                return false;
            }
            if (a.length == 16 && network.length == 4 && isMappedV4(a)) {
                a = java.util.Arrays.copyOfRange(a, 12, 16);
            }
            if (a.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isMappedV4(byte[] a) {
            for (int i = 0; i < 10; i++) {
                if (a[i] != 0) {
                    return false;
                }
            }
            return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
        }
    }

    @Override
    public String toString() {
        return operator.written + (ifExists ? "IfExists" : "") + " " + key + " " + values;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
