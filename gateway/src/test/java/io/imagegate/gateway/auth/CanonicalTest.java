package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** How paths, queries and header values are put in canonical form. */
class CanonicalTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "/bucket/key|/bucket/key",
        "\"\"|/",
        "/bucket/a%20b|/bucket/a%20b",
        "/bucket/a b|/bucket/a%20b",
        "/bucket/a+b|/bucket/a%2Bb",
        "/bucket/a%2Bb|/bucket/a%2Bb",
        "/bucket/a%2bb|/bucket/a%2Bb",
        "/bucket/a%2Fb|/bucket/a%2Fb",
        "/bucket/a%7Eb|/bucket/a~b",
        "/bucket/a~b|/bucket/a~b",
        "/bucket/%41|/bucket/A",
        "/bucket/100%|/bucket/100%25",
        "/bucket/100%zz|/bucket/100%25zz",
        "/bucket/!*'()|/bucket/%21%2A%27%28%29",
        "/bucket/ü|/bucket/%C3%BC",
        "/bucket/%C3%BC|/bucket/%C3%BC",
        "/bucket/\uD83D\uDE00|/bucket/%F0%9F%98%80",
        "/bucket//double//|/bucket//double//",
        "/bucket/./x/../y|/bucket/./x/../y",
    })
    void pathsAreEncodedOnceAndNeverNormalised(String raw, String canonical) {
        assertEquals(canonical, Canonical.uri(raw));
    }

    @Test
    void anAlreadyCanonicalPathIsReturnedAsIs() {
        String path = "/images/debian-12.raw";
        assertSame(path, Canonical.uri(path));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "b=2&a=1|a=1&b=2",
        "a=2&a=1|a=1&a=2",
        "uploads|uploads=",
        "uploads=&x=|uploads=&x=",
        "prefix=a+b|prefix=a%20b",
        "prefix=a%2Bb|prefix=a%2Bb",
        "prefix=a/b|prefix=a%2Fb",
        "k=%7e|k=~",
        "a-b=1&a=2|a=2&a-b=1",
        "&&a=1&|a=1",
        "x=1=2|x=1%3D2",
    })
    void queriesAreDecodedReEncodedAndSorted(String raw, String canonical) {
        assertEquals(canonical, QueryParameters.parse(raw).canonical(null));
    }

    @Test
    void thePresignedSignatureIsLeftOutOfTheCanonicalQuery() {
        QueryParameters q = QueryParameters.parse("X-Amz-Signature=abc&X-Amz-Date=1&a=b");
        assertEquals("X-Amz-Date=1&a=b", q.canonical("X-Amz-Signature"));
        assertEquals("abc", q.first("X-Amz-Signature"));
        assertNull(q.first("X-Amz-Credential"));
        assertEquals("AK/2013/x", QueryParameters.parse("X-Amz-Credential=AK%2F2013%2Fx").first("X-Amz-Credential"));
    }

    @Test
    void headerValuesAreTrimmedWithInnerRunsCollapsedAndRepeatsJoined() {
        RequestHeaders headers = RequestHeaders.builder()
                .add("X-Amz-Meta-A", "  one   two\t\tthree  ")
                .add("x-amz-meta-b", "first")
                .add("X-AMZ-META-B", " second ")
                .add("x-amz-meta-empty", "")
                .build();
        assertEquals("x-amz-meta-a:one two three\nx-amz-meta-b:first,second\nx-amz-meta-empty:\nx-amz-meta-missing:\n",
                Canonical.headers(headers, List.of("x-amz-meta-a", "x-amz-meta-b", "x-amz-meta-empty",
                        "x-amz-meta-missing")));
    }

    @Test
    void headersBuiltFromAMapAreCaseInsensitiveAndKeepValueOrder() {
        RequestHeaders headers = RequestHeaders.of(java.util.Map.of("X-Amz-Meta-List", List.of("b", "a")));
        assertEquals(List.of("b", "a"), headers.all("x-amz-meta-list"));
        assertEquals("b", headers.first("X-AMZ-META-LIST"));
        assertEquals(List.of(), headers.all("missing"));
        assertNull(headers.first("missing"));
    }
}
