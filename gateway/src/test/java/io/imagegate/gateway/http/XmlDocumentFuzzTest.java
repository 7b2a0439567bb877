package io.imagegate.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Fuzzes the XML body parser every XML operation uses: bytes parse into a document without a
 * DTD, or are MalformedXML; never another exception; no entity reaches outside the body (a
 * local listener that inputs name as an external entity is never connected to); and parsing costs
 * memory in proportion to the body (at most {@link #ALLOCATED_PER_BYTE} bytes allocated per body
 * byte plus a constant), so no expansion attack works. What each operation makes of a document is
 * fuzzed through a real gateway by {@code GatewayWireFuzzTest}.
 */
class XmlDocumentFuzzTest {

    static final long ALLOCATED_PER_BYTE = 200;
    static final long ALLOCATED_CONSTANT = 8L << 20;
    /** Counts connections to a local listener that external entities in the inputs name. */
    private static final AtomicInteger FETCHES = new AtomicInteger();
    private static final String LISTENER = listener();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @FuzzTest
    @DictionaryEntries({"<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///tmp/imagegate-xxe-canary\">]>", "&x;",
        "<!ENTITY y \"&x;&x;&x;&x;\">", "<?xml version=\"1.0\"?>", "<![CDATA[", "]]>",
        "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///tmp/imagegate-xxe-canary\"/>",
        "<CompleteMultipartUpload>", "<Part><PartNumber>1</PartNumber><ETag>\"e\"</ETag></Part>",
        "<Delete><Object><Key>k</Key></Object></Delete>", "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"",
        "<AccessControlPolicy>", "<VersioningConfiguration><Status>Enabled</Status>", "&#x10FFFF;", "&#0;"})
    void bodiesParseWithoutDtdsOrAreMalformedXml(FuzzedDataProvider data) {
        String prefix = data.consumeBoolean() ? "<!DOCTYPE a [<!ENTITY x SYSTEM \"" + LISTENER + "\">]>" : "";
        byte[] body = (prefix + data.consumeRemainingAsString()).getBytes(StandardCharsets.UTF_8);
        long bound = ALLOCATED_PER_BYTE * body.length + ALLOCATED_CONSTANT;
        if (allocatedParsing(body) > bound) {
            // once more before it counts: the first parse down a path loads (and, when fuzzing,
            // instruments) the parser's classes, which the thread's allocation counter includes
            long again = allocatedParsing(body);
            assertTrue(again <= bound, () -> "parsing " + body.length + " bytes allocated " + again);
        }
        XmlDocument doc;
        try {
            doc = XmlDocument.parse(body);
        } catch (S3Exception e) {
            assertEquals(S3ErrorCode.MALFORMED_XML, e.code());
            return;
        } finally {
            assertEquals(0, FETCHES.get(), "an entity was fetched (from " + LISTENER + ")");
        }
        assertNull(doc.root().getOwnerDocument().getDoctype(), "no document with a DTD is accepted");
        walk(doc.root(), 0);
    }

    /** Bytes this thread allocated parsing the body, whatever the outcome. */
    private static long allocatedParsing(byte[] body) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            XmlDocument.parse(body);
        } catch (S3Exception e) {
            // judged by the caller
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /** Every element answers the lookups the operations use, without throwing. */
    private static void walk(Element e, int depth) {
        XmlDocument.children(e, "Part");
        XmlDocument.childText(e, "Key");
        for (Node n = e.getFirstChild(); n != null && depth < 64; n = n.getNextSibling()) {
            if (n instanceof Element child) {
                walk(child, depth + 1);
            }
        }
    }

    /** A listener on loopback that counts every connection made to it: what fetching an entity would do. */
    private static String listener() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (true) {
                    try (Socket s = server.accept()) {
                        FETCHES.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            return "http://127.0.0.1:" + server.getLocalPort() + "/imagegate-xxe-canary";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
