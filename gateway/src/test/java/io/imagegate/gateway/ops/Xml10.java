package io.imagegate.gateway.ops;

import java.nio.charset.StandardCharsets;

/**
 * Writes what a parser read back as an XML 1.0 document (the only version request bodies may
 * use), markup characters and line ends as references so that text comes back exactly; a control
 * character XML 1.0 cannot carry is written as a reference too, which no parser takes: a parser
 * that returned one fails the round trip.
 */
final class Xml10 {

    private Xml10() {}

    static byte[] document(CharSequence root) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + root).getBytes(StandardCharsets.UTF_8);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c < 0x20) {
                out.append("&#x").append(Integer.toHexString(c)).append(';');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
