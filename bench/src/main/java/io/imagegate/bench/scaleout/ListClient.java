package io.imagegate.bench.scaleout;

import io.imagegate.bench.BenchTls;
import io.imagegate.bench.ServerProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * ListObjectsV2 pages as plain signed HTTP GETs: a page's latency is the time from sending the
 * request to the last byte of the answer, and the XML is parsed afterwards, outside the timing, so
 * the client's own parsing (thousands of elements) does not count as the server's latency. Signed
 * with the SDK's SigV4 signer, sent with the JDK's HTTP client.
 */
final class ListClient {

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** One page: what it listed and how long the server took to answer it. */
    record Page(List<String> keys, List<String> prefixes, boolean truncated, String nextToken, int keyCount,
                long nanos, int bytes) {}

    private final HttpClient http = BenchTls.trust(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))).build();
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final AwsCredentialsIdentity identity = AwsCredentialsIdentity.create(ServerProcess.ACCESS_KEY,
            ServerProcess.SECRET_KEY);
    private final XMLInputFactory xml = XMLInputFactory.newFactory();

    Page list(URI endpoint, String bucket, String prefix, String delimiter, int maxKeys, String token)
            throws IOException, InterruptedException {
        SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(SdkHttpMethod.GET)
                .uri(endpoint).encodedPath("/" + bucket)
                .putRawQueryParameter("list-type", "2")
                .putRawQueryParameter("max-keys", String.valueOf(maxKeys))
                .putHeader("x-amz-content-sha256", EMPTY_SHA256);
        if (prefix != null) {
            b.putRawQueryParameter("prefix", prefix);
        }
        if (delimiter != null) {
            b.putRawQueryParameter("delimiter", delimiter);
        }
        if (token != null) {
            b.putRawQueryParameter("continuation-token", token);
        }
        SignedRequest signed = signer.sign(r -> r.identity(identity).request(b.build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
        HttpRequest.Builder req = HttpRequest.newBuilder(signed.request().getUri()).GET()
                .timeout(Duration.ofMinutes(2));
        for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("host")) {
                for (String v : h.getValue()) {
                    req.header(h.getKey(), v);
                }
            }
        }
        long t0 = System.nanoTime();
        HttpResponse<byte[]> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        long nanos = System.nanoTime() - t0;
        if (resp.statusCode() != 200) {
            throw new IOException("LIST answered " + resp.statusCode() + ": "
                    + new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        try {
            return parse(resp.body(), nanos);
        } catch (XMLStreamException e) {
            throw new IOException("unreadable LIST answer", e);
        }
    }

    private Page parse(byte[] body, long nanos) throws XMLStreamException {
        List<String> keys = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        boolean truncated = false;
        String next = null;
        int keyCount = -1;
        XMLStreamReader r = xml.createXMLStreamReader(new ByteArrayInputStream(body));
        String parent = null;
        while (r.hasNext()) {
            if (r.next() != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            switch (r.getLocalName()) {
                case "Contents" -> parent = "Contents";
                case "CommonPrefixes" -> parent = "CommonPrefixes";
                case "Key" -> {
                    if ("Contents".equals(parent)) {
                        keys.add(r.getElementText());
                    }
                }
                case "Prefix" -> {
                    if ("CommonPrefixes".equals(parent)) {
                        prefixes.add(r.getElementText());
                    }
                }
                case "IsTruncated" -> truncated = Boolean.parseBoolean(r.getElementText().trim());
                case "NextContinuationToken" -> next = r.getElementText();
                case "KeyCount" -> keyCount = Integer.parseInt(r.getElementText().trim());
                default -> { }
            }
        }
        return new Page(keys, prefixes, truncated, next, keyCount, nanos, body.length);
    }
}
