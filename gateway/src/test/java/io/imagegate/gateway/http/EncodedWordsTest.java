package io.imagegate.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 2047 encoded-words as S3 reads and writes them in x-amz-meta-* values. */
class EncodedWordsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "=?UTF-8?B?5pel5pys6Kqe?=|日本語",
            "=?utf-8?b?Y2Fmw6k=?=|café",
            "=?ISO-8859-1?Q?caf=E9_cr=E8me?=|café crème",
            "=?UTF-8?Q?=E6=97=A5?=|日",
            // adjacent words: the whitespace between them is dropped (RFC 2047, 6.2)
            "=?UTF-8?B?5pel?= =?UTF-8?B?5pys?=|日本",
            "  =?US-ASCII?Q?plain?=  |plain",
    })
    void aValueOfEncodedWordsIsDecoded(String sent, String stored) {
        assertEquals(stored, EncodedWords.decode(sent));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "plain ascii", "x =?UTF-8?B?w6k=?=", "=?UTF-8?B?w6k=?= tail", "=?NO-SUCH-CHARSET?B?w6k=?=",
            "=?UTF-8?B?***?=", "=?UTF-8?Q?bad=Z1?=", "=?UTF-8?X?abc?=", "=??B?w6k=?=", "Zürich",
    })
    void anythingElseIsKeptAsSent(String sent) {
        assertEquals(sent, EncodedWords.decode(sent));
    }

    @Test
    void printableAsciiGoesOutAsIsAndEverythingElseAsOneUtf8Word() {
        assertEquals("hello, world ~!", EncodedWords.encode("hello, world ~!"));
        assertEquals("tab\there", EncodedWords.encode("tab\there"));
        assertEquals("=?UTF-8?B?5pel5pys6Kqe?=", EncodedWords.encode("日本語"));
        assertEquals("=?UTF-8?B?WsO8cmljaA==?=", EncodedWords.encode("Zürich"));
        assertEquals("=?UTF-8?B?BG15bWV0YQ==?=", EncodedWords.encode("\u0004mymeta"));
        assertEquals("", EncodedWords.encode(""));
        for (String s : new String[] {"日本語", "café crème", "\u0004x", "a\u0000b"}) {
            assertEquals(s, EncodedWords.decode(EncodedWords.encode(s)), "round trip of " + s);
        }
    }
}
