package io.imagegate.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.cors.CorsXml;
import io.imagegate.gateway.lifecycle.LifecycleXml;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What request bodies {@link XmlDocument} refuses, and why. */
class XmlDocumentTest {

    /**
     * XML 1.1 lets a document carry control characters as references ({@code &#x1;}); XML 1.0, which
     * every answer is written in, cannot hold them at all. A PutBucketCors body declaring 1.1 with
     * {@code <AllowedOrigin>a&#x1;b</AllowedOrigin>} was stored, and GetBucketCors then answered a
     * document no XML 1.0 parser reads (lifecycle rule IDs and prefixes likewise). Found with
     * CorsXmlFuzzTest's round trip; SDKs send XML 1.0 only. Now such a body is MalformedXML.
     */
    @Test
    void aBodyDeclaringXml11IsMalformedXml() {
        String cors = "<?xml version=\"1.1\"?><CORSConfiguration><CORSRule><AllowedOrigin>a&#x1;b</AllowedOrigin>"
                + "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
        assertEquals(S3ErrorCode.MALFORMED_XML,
                assertThrows(S3Exception.class, () -> CorsXml.parse(bytes(cors))).code());
        String lifecycle = "<?xml version=\"1.1\"?><LifecycleConfiguration><Rule><ID>r&#x1;</ID><Filter><Prefix>p</Prefix>"
                + "</Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>";
        assertEquals(S3ErrorCode.MALFORMED_XML,
                assertThrows(S3Exception.class, () -> LifecycleXml.parse(bytes(lifecycle))).code());
        assertEquals(S3ErrorCode.MALFORMED_XML,
                assertThrows(S3Exception.class, () -> XmlDocument.parse(bytes("<?xml version=\"1.1\"?><a>b</a>"))).code());
    }

    /** The same configuration in XML 1.0, declared or not, parses; its control character never could. */
    @Test
    void xml10BodiesParseAsBefore() {
        assertEquals("a", XmlDocument.parse(bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>b</a>")).rootName());
        assertEquals("a", XmlDocument.parse(bytes("<a>b</a>")).rootName());
        assertEquals(S3ErrorCode.MALFORMED_XML,
                assertThrows(S3Exception.class, () -> XmlDocument.parse(bytes("<a>&#x1;</a>"))).code());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
