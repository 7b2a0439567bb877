package io.imagegate.gateway.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 2047 encoded-words, the form S3 gives non-ASCII user metadata ({@code x-amz-meta-*}) in
 * headers: a value made only of encoded-words is decoded before it is stored, and a stored value
 * that is not printable US-ASCII is returned as one {@code =?UTF-8?B?...?=} word. Header bytes
 * outside US-ASCII arrive as ISO-8859-1 characters (as HTTP reads them, and as the signature
 * covered them) and are kept as such.
 */
public final class EncodedWords {

    private static final Pattern WORD = Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?=");
    private static final Pattern WORDS = Pattern.compile("\\s*(" + WORD.pattern() + "\\s*)+");

    private EncodedWords() {}

    /** {@code value} decoded when it is made only of encoded-words (whitespace between them dropped); else as is. */
    public static String decode(String value) {
        if (value == null || !WORDS.matcher(value).matches()) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        Matcher m = WORD.matcher(value);
        while (m.find()) {
            String word = decodeWord(m.group(1), m.group(2), m.group(3));
            if (word == null) {
                return value; // an unknown charset or a broken word: kept as sent
            }
            out.append(word);
        }
        return out.toString();
    }

    /** {@code value} as a header carries it: unchanged when printable US-ASCII, else one UTF-8 B-encoded word. */
    public static String encode(String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
            }
        }
        return value;
    }

    private static String decodeWord(String charsetName, String encoding, String text) {
        Charset charset;
        try {
            // RFC 2231 allows a language after '*': "UTF-8*en"
            charset = Charset.forName(charsetName.replaceFirst("\\*.*$", ""));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return null;
        }
        byte[] bytes;
        if (encoding.equalsIgnoreCase("B")) {
            try {
                bytes = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                return null;
            }
        } else {
            ByteArrayOutputStream b = new ByteArrayOutputStream(text.length());
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '_') {
                    b.write(' ');
                } else if (c == '=') {
                    if (i + 2 >= text.length()) {
                        return null;
                    }
                    int hi = Character.digit(text.charAt(i + 1), 16);
                    int lo = Character.digit(text.charAt(i + 2), 16);
                    if (hi < 0 || lo < 0) {
                        return null;
                    }
                    b.write(hi * 16 + lo);
                    i += 2;
                } else if (c > 0x7e) {
                    return null;
                } else {
                    b.write(c);
                }
            }
            bytes = b.toByteArray();
        }
        return new String(bytes, charset);
    }
}
