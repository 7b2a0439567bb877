package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes a real gateway over its socket, one connection per input (a whole gateway with embedded
 * ZooKeeper, shared by the inputs: {@link WireFixture}). Whatever bytes arrive, the gateway answers
 * with an HTTP response within {@link WireFixture#ANSWER_WITHIN}, never 500, and an error answer is
 * an S3 XML {@code <Error>} with a Code and a RequestId; or it closes the connection of a request
 * that never completed. After every 64th input, and at the end, a well-formed request still gets
 * its answer. Inputs are raw bytes, or requests assembled from fuzzed parts, unsigned or signed as
 * the bucket's (non-admin) owner so they reach the operations, including every XML body.
 */
class GatewayWireFuzzTest {

    private static final String[] METHODS = {"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "TRACE", "PATCH"};
    private static final String[] PATHS = {"/fuzz-bucket/obj", "/fuzz-bucket", "/", "/fuzz-bucket/mp",
        "/fuzz-bucket/new", "/other-bucket/obj", "/health/ready", "/metrics", "//x", "/fuzz-bucket/a%2F..%2Fb"};
    private static final String[] QUERIES = {"", "versioning", "acl", "delete", "uploads", "commit", "missing-chunks",
        "manifest", "versions", "list-type=2", "location", "versionId=null", "partNumber=1&uploadId=", "storage-report",
        "prefix=%FF", "max-keys=-1", "X-Amz-Algorithm=AWS4-HMAC-SHA256", "AWSAccessKeyId=a&Signature=b&Expires=1"};
    private static final String[] HEADERS = {"Content-Length", "Transfer-Encoding", "x-amz-content-sha256",
        "x-amz-decoded-content-length", "Content-Encoding", "Range", "x-amz-copy-source", "x-amz-acl",
        "x-imagegate-base-version-id", "x-imagegate-chunk-size", "Content-MD5", "If-Match", "Expect",
        "x-amz-trailer", "Authorization", "x-amz-date", "Host", "x-amz-checksum-crc32", "x-amz-grant-read",
        "x-amz-expected-bucket-owner", "x-amz-meta-a", "Content-Type", "Origin", "Access-Control-Request-Method",
        "Access-Control-Request-Headers"};
    /** The operations that read an XML (or JSON policy) body and where they go: method, path, query. */
    private static final String[][] XML_OPERATIONS = {
        {"PUT", "/fuzz-bucket", "versioning"}, {"PUT", "/fuzz-bucket", "acl"}, {"PUT", "/fuzz-bucket/obj", "acl"},
        {"POST", "/fuzz-bucket", "delete"}, {"POST", "/fuzz-bucket/mp", "uploadId="}, {"PUT", "/fuzz-xml-bucket", ""},
        {"PUT", "/fuzz-bucket", "lifecycle"}, {"PUT", "/fuzz-bucket", "policy"}, {"PUT", "/fuzz-bucket", "cors"}};

    private static final java.util.regex.Pattern STATUS_500 = java.util.regex.Pattern.compile("(?m)^HTTP/1\\.[01] 500 ");

    private static int inputs;

    @FuzzTest
    // no entry with a line break: Jazzer 0.24.0 writes entries unescaped and libFuzzer then refuses the dictionary
    @DictionaryEntries({"HTTP/1.1", "Content-Length: ", "Transfer-Encoding: chunked",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>",
        "<Delete><Object><Key>obj</Key></Object></Delete>", "<VersioningConfiguration><Status>",
        "<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>", "<CreateBucketConfiguration>",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "aws-chunked", "bytes=", "{\"size\":", "\"chunks\":[{\"offset\":",
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>", "Origin: "})
    void everyRequestGetsAnS3Answer(FuzzedDataProvider data) throws IOException {
        WireFixture gateway = WireFixture.get();
        Request request = switch (data.consumeInt(0, 3)) {
            case 0 -> new Request(data.consumeRemainingAsBytes(), "raw", false);
            case 1 -> assembled(data, gateway, false);
            case 2 -> assembled(data, gateway, true);
            default -> xmlOperation(data, gateway);
        };
        WireFixture.Answer answer;
        try {
            answer = gateway.exchange(request.bytes, !request.complete);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within " + WireFixture.ANSWER_WITHIN + " to " + request.describe(), e);
        }
        check(request, answer);
        if (++inputs % 64 == 0) {
            String unhealthy = gateway.unhealthy();
            assertNull(unhealthy, () -> "the gateway no longer serves a well-formed request: " + unhealthy);
            gateway.restoreIfDeleted();
        }
    }

    @AfterAll
    static void stillServing() {
        if (inputs > 0) {
            String unhealthy = WireFixture.get().unhealthy();
            assertNull(unhealthy, () -> "the gateway no longer serves a well-formed request: " + unhealthy);
        }
    }

    private static void check(Request request, WireFixture.Answer answer) {
        int status = answer.status();
        if (status < 0) {
            assertTrue(!request.complete, () -> "closed without answering " + request.describe());
            return; // a request that never completed (a framing header or a line break of the fuzzer's)
        }
        String text = answer.text();
        // a status line, not a body that echoes the fuzzer's "HTTP/1.1 500" (an ArgumentValue does)
        assertTrue(status != 500 && !STATUS_500.matcher(text).find(),
                () -> "500 for " + request.describe() + "\n" + WireFixture.Answer.abbreviate(text));
        if (status >= 400 && !request.head()) {
            String body = answer.body();
            if (!(body.contains("<Error>") && body.contains("<Code>") && body.contains("<RequestId>"))) {
                fail("a " + status + " without an S3 <Error> body for " + request.describe() + "\n"
                        + WireFixture.Answer.abbreviate(text));
            }
        }
    }

    /** A request line, headers and a body from fuzzed parts; signed by the SDK when asked and possible. */
    private static Request assembled(FuzzedDataProvider data, WireFixture gateway, boolean signed) {
        String method = data.consumeBoolean() ? data.pickValue(METHODS) : data.consumeString(8);
        String path = data.pickValue(PATHS) + (data.consumeBoolean() ? data.consumeString(40) : "");
        String query = data.pickValue(QUERIES).replace("uploadId=", "uploadId=" + gateway.uploadId)
                + (data.consumeBoolean() ? "&" + data.consumeString(60) : "");
        Map<String, String> headers = new LinkedHashMap<>();
        int count = data.consumeInt(0, 6);
        for (int i = 0; i < count; i++) {
            headers.put(data.pickValue(HEADERS), data.consumeString(100));
        }
        byte[] body = data.consumeRemainingAsBytes();
        boolean complete = !headers.containsKey("Transfer-Encoding")
                && !(method + path + query + String.join("", headers.values()) + String.join("", headers.keySet()))
                        .matches("(?s).*[\\r\\n].*");
        if (signed) {
            try {
                headers.remove("Content-Length");
                headers.remove("Host");
                return new Request(gateway.signed(method, path, query, headers, body), "signed", complete);
            } catch (RuntimeException e) {
                // the SDK would not sign this (a header it refuses, a method it does not know): send it unsigned
            }
        }
        StringBuilder head = new StringBuilder(method).append(' ').append(path)
                .append(query.isEmpty() ? "" : "?" + query).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (!headers.containsKey("Content-Length") && !headers.containsKey("Transfer-Encoding")) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        return new Request(out.toByteArray(), "assembled", complete && !headers.containsKey("Content-Length"));
    }

    /** A fuzzed XML body sent, signed, to one of the operations that read XML. */
    private static Request xmlOperation(FuzzedDataProvider data, WireFixture gateway) {
        String[] op = data.pickValue(XML_OPERATIONS);
        byte[] body = data.consumeRemainingAsBytes();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-MD5", md5(body)); // DeleteObjects needs it; the others check it
        String query = op[2].replace("uploadId=", "uploadId=" + gateway.uploadId);
        return new Request(gateway.signed(op[0], op[1], query, headers, body), "xml " + op[0] + " " + op[1] + "?" + query, true);
    }

    private static String md5(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param complete whether the request is whole and framed as sent, so it must be answered */
    private record Request(byte[] bytes, String kind, boolean complete) {
        boolean head() {
            return new String(bytes, 0, Math.min(5, bytes.length), StandardCharsets.ISO_8859_1).startsWith("HEAD ");
        }

        String describe() {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            return kind + " request:\n" + (text.length() <= 1000 ? text : text.substring(0, 1000) + "...");
        }
    }
}
