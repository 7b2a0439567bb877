package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.meta.Versioning;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fuzzes the XML bodies the operations parse themselves (the wire target reaches them only
 * behind a signature and a bucket): CompleteMultipartUpload ({@link Multipart#parseParts}),
 * DeleteObjects ({@link Deletes#parseDelete}) and PutBucketVersioning ({@link VersioningXml}).
 * Any body is what the parser returns, or the S3 errors it declares; never another exception.
 * What it returns is bounded by the body (at most S3's count of entries, no text longer than the
 * body), and reads back the same when written as a document again. Bodies are raw bytes, or
 * documents assembled from fuzzed elements and text.
 */
class OperationXmlFuzzTest {

    private static final Set<String> CHECKSUM_NAMES = Arrays.stream(ChecksumAlgorithm.values())
            .filter(ChecksumAlgorithm::isAmzChecksum).map(ChecksumAlgorithm::amzName).collect(Collectors.toSet());
    private static final String[] CHECKSUM_ELEMENTS = Arrays.stream(ChecksumAlgorithm.values())
            .filter(ChecksumAlgorithm::isAmzChecksum).map(ChecksumAlgorithm::xmlElement).toArray(String[]::new);
    private static final String NS = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

    @FuzzTest
    @DictionaryEntries({"<CompleteMultipartUpload>", "</CompleteMultipartUpload>", "<Part>", "</Part>",
        "<PartNumber>", "</PartNumber>", "<ETag>", "</ETag>", "<ChecksumCRC32>", "<ChecksumSHA256>", "&quot;",
        "2147483648", "<?xml version=\"1.1\"?>", NS})
    void completeMultipartUploadBodiesAreAPartListOrMalformedXml(FuzzedDataProvider data) {
        byte[] body = data.consumeBoolean() ? completeMultipartUpload(data) : data.consumeRemainingAsBytes();
        java.util.List<Multipart.Requested> parts;
        try {
            parts = Multipart.parseParts(body);
        } catch (S3Exception e) {
            assertEquals(S3ErrorCode.MALFORMED_XML, e.code(), () -> "not MalformedXML: " + e.getMessage());
            return;
        }
        assertTrue(!parts.isEmpty() && parts.size() <= Multipart.MAX_PARTS, () -> parts.size() + " parts");
        long text = 0;
        for (Multipart.Requested p : parts) {
            assertNotNull(p.etag());
            text += p.etag().length();
            for (Map.Entry<String, String> c : p.checksums().entrySet()) {
                assertTrue(CHECKSUM_NAMES.contains(c.getKey()), () -> "not a checksum: " + c.getKey());
                text += c.getValue().length();
            }
        }
        long total = text;
        assertTrue(total <= body.length, () -> total + " characters of text from a body of " + body.length + " bytes");
        StringBuilder again = new StringBuilder("<CompleteMultipartUpload>");
        for (Multipart.Requested p : parts) {
            again.append("<Part><PartNumber>").append(p.number()).append("</PartNumber><ETag>")
                    .append(Xml10.escape("\"" + p.etag() + "\"")).append("</ETag>");
            for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
                String value = p.checksums().get(a.amzName());
                if (a.isAmzChecksum() && value != null) {
                    again.append('<').append(a.xmlElement()).append('>').append(Xml10.escape(value))
                            .append("</").append(a.xmlElement()).append('>');
                }
            }
            again.append("</Part>");
        }
        byte[] written = Xml10.document(again.append("</CompleteMultipartUpload>"));
        assertEquals(parts, Multipart.parseParts(written), () -> "the parts written again read back the same:\n"
                + new String(written, StandardCharsets.UTF_8));
    }

    @FuzzTest
    @DictionaryEntries({"<Delete>", "</Delete>", "<Object>", "</Object>", "<Key>", "</Key>", "<VersionId>",
        "</VersionId>", "<Quiet>true</Quiet>", "<?xml version=\"1.1\"?>", "&#x1;", NS})
    void deleteBodiesAreKeyListsOrMalformedXml(FuzzedDataProvider data) {
        byte[] body = data.consumeBoolean() ? delete(data) : data.consumeRemainingAsBytes();
        Deletes.DeleteRequest request;
        try {
            request = Deletes.parseDelete(body);
        } catch (S3Exception e) {
            assertEquals(S3ErrorCode.MALFORMED_XML, e.code(), () -> "not MalformedXML: " + e.getMessage());
            return;
        }
        assertTrue(!request.targets().isEmpty() && request.targets().size() <= Deletes.MAX_KEYS_PER_REQUEST,
                () -> request.targets().size() + " objects");
        long text = 0;
        for (Deletes.Target t : request.targets()) {
            assertNotNull(t.key());
            text += t.key().length() + (t.versionId() == null ? 0 : t.versionId().length());
        }
        long total = text;
        assertTrue(total <= body.length, () -> total + " characters of text from a body of " + body.length + " bytes");
        StringBuilder again = new StringBuilder("<Delete>");
        if (request.quiet()) {
            again.append("<Quiet>true</Quiet>");
        }
        for (Deletes.Target t : request.targets()) {
            again.append("<Object><Key>").append(Xml10.escape(t.key())).append("</Key>");
            if (t.versionId() != null) {
                again.append("<VersionId>").append(Xml10.escape(t.versionId())).append("</VersionId>");
            }
            again.append("</Object>");
        }
        byte[] written = Xml10.document(again.append("</Delete>"));
        assertEquals(request, Deletes.parseDelete(written), () -> "the objects written again read back the same:\n"
                + new String(written, StandardCharsets.UTF_8));
    }

    private static final Set<S3ErrorCode> VERSIONING_ERRORS = EnumSet.of(S3ErrorCode.MALFORMED_XML,
            S3ErrorCode.ILLEGAL_VERSIONING_CONFIGURATION, S3ErrorCode.NOT_IMPLEMENTED);

    @FuzzTest
    @DictionaryEntries({"<VersioningConfiguration>", "</VersioningConfiguration>", "<Status>Enabled</Status>",
        "<Status>Suspended</Status>", "<MfaDelete>Disabled</MfaDelete>", "<MfaDelete>Enabled</MfaDelete>", NS})
    void versioningBodiesAreAStateOrTheirS3Error(FuzzedDataProvider data) {
        byte[] body = data.consumeBoolean() ? versioning(data) : data.consumeRemainingAsBytes();
        Optional<Versioning> state;
        try {
            state = VersioningXml.parse(body);
        } catch (S3Exception e) {
            assertTrue(VERSIONING_ERRORS.contains(e.code()), () -> "not a versioning error: " + e.code() + " " + e.getMessage());
            return;
        }
        state.ifPresent(v -> {
            assertTrue(v == Versioning.ENABLED || v == Versioning.SUSPENDED, () -> "asked for " + v);
            byte[] written = VersioningXml.write(v).toBytes();
            assertEquals(state, VersioningXml.parse(written), () -> "what GetBucketVersioning answers reads back the same:\n"
                    + new String(written, StandardCharsets.UTF_8));
        });
    }

    private static byte[] completeMultipartUpload(FuzzedDataProvider data) {
        StringBuilder xml = new StringBuilder(data.consumeBoolean() ? "<CompleteMultipartUpload" + NS + ">"
                : "<CompleteMultipartUpload>");
        int parts = data.consumeInt(0, 4);
        for (int i = 0; i < parts; i++) {
            xml.append("<Part>");
            if (data.consumeInt(0, 7) != 0) {
                xml.append("<PartNumber>").append(data.consumeBoolean() ? String.valueOf(i + 1) : text(data, 12))
                        .append("</PartNumber>");
            }
            if (data.consumeInt(0, 7) != 0) {
                xml.append("<ETag>").append(data.consumeBoolean() ? "&quot;" + text(data, 34) + "&quot;" : text(data, 40))
                        .append("</ETag>");
            }
            if (data.consumeBoolean()) {
                String element = data.pickValue(CHECKSUM_ELEMENTS);
                xml.append('<').append(element).append('>').append(text(data, 50)).append("</").append(element).append('>');
            }
            xml.append("</Part>");
        }
        return xml.append("</CompleteMultipartUpload>").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] delete(FuzzedDataProvider data) {
        StringBuilder xml = new StringBuilder("<Delete>");
        if (data.consumeBoolean()) {
            xml.append("<Quiet>").append(data.consumeBoolean() ? "true" : text(data, 8)).append("</Quiet>");
        }
        int objects = data.consumeInt(0, 4);
        for (int i = 0; i < objects; i++) {
            xml.append("<Object>");
            if (data.consumeInt(0, 7) != 0) {
                xml.append("<Key>").append(text(data, 60)).append("</Key>");
            }
            if (data.consumeBoolean()) {
                xml.append("<VersionId>").append(text(data, 30)).append("</VersionId>");
            }
            xml.append("</Object>");
        }
        return xml.append("</Delete>").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] versioning(FuzzedDataProvider data) {
        StringBuilder xml = new StringBuilder("<VersioningConfiguration" + NS + ">");
        if (data.consumeBoolean()) {
            xml.append("<Status>").append(data.consumeBoolean() ? data.pickValue(new String[] {"Enabled", "Suspended"})
                    : text(data, 12)).append("</Status>");
        }
        if (data.consumeBoolean()) {
            xml.append("<MfaDelete>").append(text(data, 12)).append("</MfaDelete>");
        }
        return xml.append("</VersioningConfiguration>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Fuzzed text as character data: markup escaped, the rest as the fuzzer chose it (the raw branch covers markup). */
    private static String text(FuzzedDataProvider data, int max) {
        return data.consumeString(max).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
