package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;

/**
 * A parsed {@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...}
 * header. Components may come in any order, with or without spaces after the commas.
 */
record AuthorizationHeader(String credential, String signedHeaders, String signature) {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";

    /** Parses a header known to start with {@link #ALGORITHM}. */
    static AuthorizationHeader parse(String header) {
        String rest = header.substring(ALGORITHM.length());
        if (rest.isEmpty() || (rest.charAt(0) != ' ' && rest.charAt(0) != '\t')) {
            throw malformed();
        }
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        int start = 0;
        while (start < rest.length()) {
            int comma = rest.indexOf(',', start);
            int end = comma < 0 ? rest.length() : comma;
            String component = rest.substring(start, end).trim();
            int eq = component.indexOf('=');
            if (eq <= 0) {
                throw malformed();
            }
            String value = component.substring(eq + 1).trim();
            switch (component.substring(0, eq).trim()) {
                case "Credential" -> credential = unique(credential, value);
                case "SignedHeaders" -> signedHeaders = unique(signedHeaders, value);
                case "Signature" -> signature = unique(signature, value);
                default -> throw malformed();
            }
            start = end + 1;
        }
        if (credential == null || signedHeaders == null || signature == null) {
            throw malformed();
        }
        return new AuthorizationHeader(credential, signedHeaders, signature);
    }

    private static String unique(String previous, String value) {
        if (previous != null) {
            throw malformed();
        }
        return value;
    }

    private static S3Exception malformed() {
        return new S3Exception(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED,
                "The authorization header is malformed; the authorization header requires three components: "
                        + "Credential, SignedHeaders, and Signature.");
    }
}
