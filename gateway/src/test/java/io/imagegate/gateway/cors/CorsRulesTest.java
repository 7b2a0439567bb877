package io.imagegate.gateway.cors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.CorsConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CORS document read and written back, and rules matched, as S3 does both. */
class CorsRulesTest {

    static CorsConfiguration parse(String rules) {
        return CorsXml.parse(("<CORSConfiguration>" + rules + "</CORSConfiguration>").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theFirstRuleThatAllowsOriginMethodAndEveryHeaderApplies() {
        CorsConfiguration c = parse("""
                <CORSRule><ID>a</ID><AllowedOrigin>https://*.example.org</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>
                  <AllowedHeader>x-amz-*</AllowedHeader></CORSRule>
                <CORSRule><ID>b</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>
                  <AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule>""");
        assertEquals("a", CorsRules.match(c, "https://app.example.org", "PUT", List.of("x-amz-date")).orElseThrow().id());
        assertEquals("b", CorsRules.match(c, "https://app.example.org", "PUT", List.of("content-type")).orElseThrow().id());
        assertEquals("b", CorsRules.match(c, "https://HOST.example", "GET", List.of()).orElseThrow().id());
        assertFalse(CorsRules.match(c, "https://app.example.org", "DELETE", List.of()).isPresent());
        assertFalse(CorsRules.match(c, "https://app.example.org", "put", List.of()).isPresent(), "methods are exact");
        assertEquals(List.of("x-amz-date", "content-type"), CorsRules.requestedHeaders(" X-Amz-Date ,Content-Type,"));
    }

    @Test
    void patternsHaveOneWildcardStandingForAnyCharacters() {
        assertTrue(CorsRules.wildcardMatch("https://*.example.org", "https://a.b.example.org", false));
        assertFalse(CorsRules.wildcardMatch("https://*.example.org", "https://example.org", false));
        assertFalse(CorsRules.wildcardMatch("https://A.example", "https://a.example", false), "origins are case-sensitive");
        assertTrue(CorsRules.wildcardMatch("X-Amz-*", "x-amz-meta-os", true));
        assertTrue(CorsRules.wildcardMatch("*", "", false));
    }

    @Test
    void aConfigurationWrittenBackReadsTheSame() {
        CorsConfiguration c = parse("""
                <CORSRule><ID>console</ID><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>
                  <AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule>
                <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>""");
        assertEquals(c, CorsXml.parse(CorsXml.write(c).toBytes()));
        assertEquals(Integer.valueOf(60), c.rules().get(0).maxAgeSeconds());
    }

    @Test
    void badDocumentsAreRefusedWithS3sCodes() {
        String ok = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";
        for (String bad : List.of("", "<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>",
                "<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>", "<CORSRule>" + ok + "<X/></CORSRule>",
                "<CORSRule>" + ok + "<MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>", "<Rule>" + ok + "</Rule>",
                ("<CORSRule>" + ok + "</CORSRule>").repeat(101))) {
            assertEquals("MalformedXML", assertThrows(S3Exception.class, () -> parse(bad)).code().code(), bad);
        }
        S3Exception patch = assertThrows(S3Exception.class,
                () -> parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>"));
        assertEquals("InvalidRequest", patch.code().code());
        assertEquals("Found unsupported HTTP method in CORS config. Unsupported method is PATCH", patch.getMessage());
        assertEquals("InvalidRequest", assertThrows(S3Exception.class,
                () -> parse("<CORSRule>" + ok + "<ExposeHeader>*</ExposeHeader></CORSRule>")).code().code());
        assertEquals("InvalidRequest", assertThrows(S3Exception.class,
                () -> parse("<CORSRule>" + ok + "<AllowedHeader>*-*</AllowedHeader></CORSRule>")).code().code());
    }
}
