package io.imagegate.gateway.auth;

/**
 * The Credential of a SigV4 signature, {@code AKID/YYYYMMDD/region/service/aws4_request}.
 *
 * @param date the scope's day, yyyyMMdd
 */
record CredentialScope(String accessKey, String date, String region, String service) {

    private static final String TERMINAL = "aws4_request";

    /** The scope string that appears in the string to sign. */
    String scope() {
        return date + '/' + region + '/' + service + '/' + TERMINAL;
    }

    static CredentialScope parse(String credential, AuthLocation where) {
        String[] parts = splitFive(credential);
        if (parts == null || !isDate(parts[1])) {
            throw where.credentialError("the Credential is mal-formed; expecting "
                    + "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
        }
        if (!TERMINAL.equals(parts[4])) {
            throw where.credentialError("incorrect terminal \"" + parts[4] + "\". This endpoint uses \""
                    + TERMINAL + "\".");
        }
        return new CredentialScope(parts[0], parts[1], parts[2], parts[3]);
    }

    private static String[] splitFive(String s) {
        if (s == null) {
            return null;
        }
        String[] parts = new String[5];
        int start = 0;
        for (int i = 0; i < 4; i++) {
            int slash = s.indexOf('/', start);
            if (slash < 0) {
                return null;
            }
            parts[i] = s.substring(start, slash);
            start = slash + 1;
        }
        parts[4] = s.substring(start);
        for (String p : parts) {
            if (p.isEmpty() || p.indexOf('/') >= 0) {
                return null;
            }
        }
        return parts;
    }

    private static boolean isDate(String s) {
        if (s.length() != 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
