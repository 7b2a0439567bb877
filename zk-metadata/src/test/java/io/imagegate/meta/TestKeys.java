package io.imagegate.meta;

import java.util.Random;

/** Random keys mixing the characters that make key handling hard. */
final class TestKeys {

    private static final String[] PIECES = {"a", "b", "z", "A", "0", "9", "/", "/", "%", ".", "..", "-", "_", " ",
            "~", "é", "ü", "日", "本", "😀", "\u0001", "\u007f", "\uFFFD", "ab/", "x/y/"};

    private TestKeys() {}

    static String random(Random r, int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            sb.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }
}
