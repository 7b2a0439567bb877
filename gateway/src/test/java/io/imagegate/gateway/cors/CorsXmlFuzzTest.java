package io.imagegate.gateway.cors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.CorsConfiguration;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes PutBucketCors bodies ({@link CorsXml#parse}): a body is a configuration, or MalformedXML,
 * or InvalidRequest with S3's message; never another exception. A configuration has 1 to 100
 * rules, each with an AllowedOrigin and an AllowedMethod S3 allows, at most one wildcard in an
 * origin or allowed header and none in an exposed header, an ID of at most 255 characters and a
 * MaxAgeSeconds that is not negative; its text is no longer than the body; and what
 * GetBucketCors writes for it reads back as the same configuration. Bodies are raw bytes, or
 * rules assembled from fuzzed elements.
 */
class CorsXmlFuzzTest {

    private static final String[] ELEMENTS = {"ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader",
        "MaxAgeSeconds"};
    private static final String[] VALUES = {"*", "https://*.example.com", "GET", "PUT", "POST", "DELETE", "HEAD",
        "PATCH", "x-amz-*", "ETag", "3000", "-1", "2147483648", "", " GET "};

    @FuzzTest
    @DictionaryEntries({"<CORSConfiguration>", "</CORSConfiguration>", "<CORSRule>", "</CORSRule>", "<AllowedOrigin>",
        "</AllowedOrigin>", "<AllowedMethod>", "</AllowedMethod>", "<AllowedHeader>", "<ExposeHeader>",
        "<MaxAgeSeconds>", "<ID>", "<?xml version=\"1.1\"?>", "&#x1;", "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""})
    void bodiesAreConfigurationsOrS3Errors(FuzzedDataProvider data) {
        byte[] body = data.consumeBoolean() ? assembled(data) : data.consumeRemainingAsBytes();
        CorsConfiguration config;
        try {
            config = CorsXml.parse(body);
        } catch (S3Exception e) {
            assertTrue(e.code() == S3ErrorCode.MALFORMED_XML || e.code() == S3ErrorCode.INVALID_REQUEST,
                    () -> "not a CORS error: " + e.code() + " " + e.getMessage());
            return;
        }
        assertTrue(!config.rules().isEmpty() && config.rules().size() <= CorsXml.MAX_RULES,
                () -> config.rules().size() + " rules");
        long text = 0;
        for (CorsConfiguration.Rule r : config.rules()) {
            assertTrue(!r.allowedOrigins().isEmpty() && !r.allowedMethods().isEmpty(), "an origin and a method");
            assertTrue(CorsXml.METHODS.containsAll(r.allowedMethods()), () -> "methods " + r.allowedMethods());
            assertTrue(r.id() == null || r.id().length() <= CorsXml.MAX_ID_LENGTH, "ID of at most 255 characters");
            assertTrue(r.maxAgeSeconds() == null || r.maxAgeSeconds() >= 0, "MaxAgeSeconds not negative");
            r.allowedOrigins().forEach(o -> assertTrue(wildcards(o) <= 1, () -> "origin " + o));
            r.allowedHeaders().forEach(h -> assertTrue(wildcards(h) <= 1, () -> "allowed header " + h));
            r.exposeHeaders().forEach(h -> assertEquals(0, wildcards(h), () -> "exposed header " + h));
            text += (r.id() == null ? 0 : r.id().length()) + length(r.allowedOrigins()) + length(r.allowedMethods())
                    + length(r.allowedHeaders()) + length(r.exposeHeaders());
        }
        long total = text;
        assertTrue(total <= body.length, () -> total + " characters of text from a body of " + body.length + " bytes");
        byte[] written = CorsXml.write(config).toBytes();
        assertEquals(config, CorsXml.parse(written), () -> "what GetBucketCors answers reads back the same:\n"
                + new String(written, StandardCharsets.UTF_8));
    }

    private static byte[] assembled(FuzzedDataProvider data) {
        StringBuilder xml = new StringBuilder("<CORSConfiguration>");
        int rules = data.consumeInt(0, 3);
        for (int i = 0; i < rules; i++) {
            xml.append("<CORSRule>");
            if (data.consumeInt(0, 5) != 0) {
                xml.append("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>");
            }
            int elements = data.consumeInt(0, 5);
            for (int e = 0; e < elements; e++) {
                String name = data.pickValue(ELEMENTS);
                String value = data.consumeBoolean() ? data.pickValue(VALUES)
                        : data.consumeString(40).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
                xml.append('<').append(name).append('>').append(value).append("</").append(name).append('>');
            }
            xml.append("</CORSRule>");
        }
        return xml.append("</CORSConfiguration>").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static long wildcards(String s) {
        return s.chars().filter(c -> c == '*').count();
    }

    private static long length(java.util.List<String> values) {
        return values.stream().mapToLong(String::length).sum();
    }
}
