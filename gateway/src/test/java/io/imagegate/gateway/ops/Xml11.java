package io.imagegate.gateway.ops;

import java.nio.charset.StandardCharsets;

/**
 * Writes what a parser read back as an XML 1.1 document, every character it could not hold
 * literally as a character reference: a parsed text may hold any character a document of either
 * version can carry (XML 1.1 allows control characters as references), so a round trip through
 * this reaches every text a parser can return.
 */
final class Xml11 {

    private Xml11() {}

    static byte[] document(CharSequence root) {
        return ("<?xml version=\"1.1\" encoding=\"UTF-8\"?>" + root).getBytes(StandardCharsets.UTF_8);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c < 0x20 || (c >= 0x7F && c <= 0x9F)
                    || c == 0x2028) {
                out.append("&#x").append(Integer.toHexString(c)).append(';');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
