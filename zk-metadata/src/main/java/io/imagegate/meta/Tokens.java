package io.imagegate.meta;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random identifiers: write tokens, upload ids, partition and page ids. */
final class Tokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {}

    /** Marks the record a write stored, so an unknown outcome can be settled by reading it back. */
    static String writeToken() {
        return base64(12);
    }

    /** An upload id: 192 random bits, URL-safe. */
    static String uploadId() {
        return base64(24);
    }

    /** A partition or page id: 48 random bits in hex, unique within a bucket in practice and checked by create. */
    static String nodeId() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String base64(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
