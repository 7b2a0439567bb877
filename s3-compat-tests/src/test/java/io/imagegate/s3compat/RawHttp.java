package io.imagegate.s3compat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Requests written byte by byte on a socket, signed by the AWS SDK's own SigV4 signer, for the
 * inputs no well-behaved client sends: wrong lengths, broken XML, oversized headers, dropped
 * connections.
 */
final class RawHttp {

    record Response(int status, Map<String, String> headers, String body) {
        String code() {
            int a = body.indexOf("<Code>");
            return a < 0 ? null : body.substring(a + 6, body.indexOf("</Code>", a));
        }
    }

    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;

    /** Requests signed as the non-admin {@link GatewayFixture#TENANT}. */
    RawHttp(URI endpoint) {
        this(endpoint, GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY);
    }

    RawHttp(URI endpoint, String accessKey, String secretKey) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Signs method + path (raw, already encoded) + headers + body with this client's keys. */
    Map<String, List<String>> sign(String method, String rawPathAndQuery, Map<String, String> headers, byte[] body) {
        return sign(endpoint, method, rawPathAndQuery, headers, body);
    }

    /**
     * A virtual-hosted-style request: Host {@code bucket.localhost:port}, sent to the gateway's
     * address (no DNS needed for the subdomain).
     */
    Response virtualHosted(String bucket, String method, String rawPathAndQuery, byte[] body) throws IOException {
        URI virtual = URI.create("http://" + bucket + ".localhost:" + endpoint.getPort());
        Map<String, List<String>> signedHeaders = sign(virtual, method, rawPathAndQuery, Map.of(), body);
        StringBuilder head = new StringBuilder(method + " " + rawPathAndQuery + " HTTP/1.1\r\n");
        signedHeaders.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ").append(v).append("\r\n")));
        head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\nConnection: close\r\n\r\n");
        return exchange(head.toString().getBytes(StandardCharsets.UTF_8), body == null ? new byte[0] : body);
    }

    private Map<String, List<String>> sign(URI base, String method, String rawPathAndQuery,
                                           Map<String, String> headers, byte[] body) {
        // appended, not resolved: a path such as "//x" is a path here, not a host
        SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(URI.create(base.toString().replaceAll("/$", "") + rawPathAndQuery));
        headers.forEach(b::putHeader);
        if (body != null) {
            b.contentStreamProvider(ContentStreamProvider.fromByteArray(body));
        }
        SdkHttpFullRequest request = b.build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .payload(request.contentStreamProvider().orElse(null))
                .identity(AwsBasicCredentials.create(accessKey, secretKey))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                // as the S3 clients sign: the path exactly as sent, neither normalised nor encoded twice
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, body != null));
        return signed.request().headers();
    }

    /** Sends a signed request; {@code contentLength} may lie about the body ({@code null}: omit the header). */
    Response signed(String method, String rawPathAndQuery, Map<String, String> headers, byte[] body, String contentLength)
            throws IOException {
        Map<String, List<String>> signedHeaders = sign(method, rawPathAndQuery, headers, body);
        StringBuilder head = new StringBuilder(method + " " + rawPathAndQuery + " HTTP/1.1\r\n");
        signedHeaders.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ").append(v).append("\r\n")));
        if (contentLength != null) {
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        return exchange(head.toString().getBytes(StandardCharsets.UTF_8), body == null ? new byte[0] : body);
    }

    /** Sends raw bytes and reads one response; the connection is closed afterwards. */
    Response exchange(byte[] head, byte[] body) throws IOException {
        try (Socket socket = new Socket(endpoint.getHost(), endpoint.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(body);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Sends the head and only part of the body, then drops the connection. */
    void dropMidBody(String method, String rawPathAndQuery, byte[] body, int sendBytes) throws IOException {
        Map<String, List<String>> signedHeaders = sign(method, rawPathAndQuery, Map.of(), body);
        StringBuilder head = new StringBuilder(method + " " + rawPathAndQuery + " HTTP/1.1\r\n");
        signedHeaders.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ").append(v).append("\r\n")));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        try (Socket socket = new Socket(endpoint.getHost(), endpoint.getPort())) {
            socket.setSoLinger(true, 0);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(body, 0, sendBytes);
            out.flush();
        }
    }

    private static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete response: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, headers, body);
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int eol = body.indexOf("\r\n", i);
            int size = Integer.parseInt(body.substring(i, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(body, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
