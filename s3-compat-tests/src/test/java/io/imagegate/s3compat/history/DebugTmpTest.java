package io.imagegate.s3compat.history;
import org.junit.jupiter.api.Test;
class DebugTmpTest {
    @Test void dump() {
        History h = GeneratedHistoriesTest.generate(160);
        for (Op op : h.ops()) {
            String s = op.toString();
            if (s.contains("v36") || s.contains("2624eb0ac75c8a25e8156c313a7b0fe8") || s.contains("ec322ecdaeddff11a536a5b3145b8759a7cd242f2de733d57705cc2a08481407")) System.out.println(s.substring(0, Math.min(s.length(), 700)));
        }
    }
}
