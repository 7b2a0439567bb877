package io.imagegate.gateway;

import io.imagegate.meta.UserRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * A whole gateway (embedded ZooKeeper, local chunks) on a real socket for the wire fuzz tests,
 * started once per JVM and shared by every input: a non-admin user owning {@code fuzz-bucket},
 * which holds {@code obj} and a multipart upload of {@code mp}. {@link #exchange} sends raw bytes
 * on a fresh connection and reads what comes back within a bound.
 */
final class WireFixture {

    static final String ACCESS_KEY = "fuzz-user-key";
    static final String SECRET = "fuzz-user-secret";
    static final String BUCKET = "fuzz-bucket";
    /** Another user's bucket, which the fuzzed requests (all the fuzz user's) cannot change: the health probe's. */
    static final String PROBE_BUCKET = "fuzz-probe-bucket";
    private static final String PROBE_KEY = "fuzz-probe-key";
    private static final String PROBE_SECRET = "fuzz-probe-secret";
    /** How long an answer may take before the input counts as a hang (generous: the machine is shared). */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);
    /** Bytes of an answer read at most. */
    private static final int MAX_ANSWER = 1 << 20;

    private static WireFixture instance;

    private final Gateway gateway;
    private final Path dir;
    /** The multipart upload of {@code mp} (a new one when the fuzzed requests removed the bucket). */
    volatile String uploadId;

    private WireFixture(Gateway gateway, Path dir) {
        this.gateway = gateway;
        this.dir = dir;
    }

    /** The shared gateway, started on first use and stopped when the JVM exits. */
    static synchronized WireFixture get() {
        if (instance == null) {
            try {
                instance = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            WireFixture started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        }
        return instance;
    }

    private static WireFixture start() throws IOException {
        Path dir = Files.createTempDirectory("imagegate-wire-fuzz");
        Gateway gateway = Gateway.start(Gateway.Options.defaults(dir).withPort(0)
                .withRootCredentials("fuzz-root-key", "fuzz-root-secret")
                .withHttp(io.imagegate.gateway.GatewayConfig.defaults().withPort(0).withRequestMemoryBytes(64L << 20)));
        gateway.meta().createUser(new UserRecord("fuzz", ACCESS_KEY, SECRET, null, false));
        gateway.meta().createUser(new UserRecord("fuzz-probe", PROBE_KEY, PROBE_SECRET, null, false));
        WireFixture f = new WireFixture(gateway, dir);
        f.mustSucceed(f.signed(PROBE_KEY, PROBE_SECRET, "PUT", "/" + PROBE_BUCKET, "", Map.of(), new byte[0]));
        f.populate();
        return f;
    }

    /** The fuzz user's bucket, {@code obj} in it and an upload of {@code mp}. */
    private void populate() throws IOException {
        mustSucceed(signed("PUT", "/" + BUCKET, "", Map.of(), new byte[0]));
        mustSucceed(signed("PUT", "/" + BUCKET + "/obj", "", Map.of(), "hello".getBytes(StandardCharsets.UTF_8)));
        Answer created = mustSucceed(signed("POST", "/" + BUCKET + "/mp", "uploads", Map.of(), new byte[0]));
        String body = created.body();
        uploadId = body.substring(body.indexOf("<UploadId>") + 10, body.indexOf("</UploadId>"));
    }

    /**
     * Puts back the fuzz user's bucket when the fuzzed requests deleted it (they are signed as its
     * owner, who may empty and delete it), so later inputs reach the operations again.
     */
    void restoreIfDeleted() throws IOException {
        if (exchange(signed("HEAD", "/" + BUCKET, "", Map.of(), new byte[0])).status() == 404) {
            populate();
        }
    }

    int port() {
        return gateway.endpoint().getPort();
    }

    /**
     * Null when the gateway answers a well-formed signed request as it should (another user's listing
     * of a bucket the fuzzed requests cannot touch), else what it answered.
     */
    String unhealthy() {
        try {
            Answer a = exchange(signed(PROBE_KEY, PROBE_SECRET, "GET", "/" + PROBE_BUCKET, "list-type=2", Map.of(),
                    new byte[0]));
            return a.status() == 200 ? null : Answer.abbreviate(a.text());
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Answer mustSucceed(byte[] request) throws IOException {
        Answer a = exchange(request);
        if (a.status() / 100 != 2) {
            throw new IOException("fixture request failed: " + a.text());
        }
        return a;
    }

    /** {@link #exchange(byte[], boolean)} of a whole request, which the gateway answers and then closes. */
    Answer exchange(byte[] request) throws IOException {
        return exchange(request, false);
    }

    /**
     * Sends the bytes on a new connection, half-closes it when asked (so that the gateway sees where a
     * request that may be cut short ends), and reads the answer until the gateway closes the
     * connection. A whole request is not half-closed: the gateway takes a client that shuts down its
     * sending side for one that hung up, and stops working on its request (docs/SECURITY.md).
     *
     * @throws SocketTimeoutException when nothing ends within {@link #ANSWER_WITHIN}
     */
    Answer exchange(byte[] request, boolean halfClose) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            s.setSoTimeout((int) ANSWER_WITHIN.toMillis());
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                if (halfClose) {
                    s.shutdownOutput();
                }
            } catch (IOException e) {
                // the gateway may answer and close before it read everything: read what it said
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            long deadline = System.nanoTime() + ANSWER_WITHIN.toNanos();
            try {
                int n;
                while ((n = in.read(buf)) >= 0 && answer.size() < MAX_ANSWER) {
                    answer.write(buf, 0, n);
                    if (System.nanoTime() > deadline) {
                        throw new SocketTimeoutException("the answer did not end within " + ANSWER_WITHIN);
                    }
                }
            } catch (java.net.SocketException e) {
                // a reset after the answer (the gateway dropped the rest of a refused request)
            }
            return new Answer(answer.toByteArray());
        }
    }

    /**
     * A request signed with SigV4 by the AWS SDK's signer as the fixture's user (unsigned payload),
     * with {@code Connection: close}; the query is given raw (name=value&amp;...), values unencoded.
     */
    byte[] signed(String method, String encodedPath, String rawQuery, Map<String, String> headers, byte[] body) {
        return signed(ACCESS_KEY, SECRET, method, encodedPath, rawQuery, headers, body);
    }

    private byte[] signed(String accessKey, String secret, String method, String encodedPath, String rawQuery,
            Map<String, String> headers, byte[] body) {
        SdkHttpFullRequest.Builder http = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
                .protocol("http").host("127.0.0.1").port(port()).encodedPath(encodedPath);
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                query.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(eq < 0 ? null : pair.substring(eq + 1));
            }
        }
        query.forEach(http::putRawQueryParameter);
        headers.forEach(http::putHeader);
        http.putHeader("Content-Length", Integer.toString(body.length));
        var signed = AwsV4HttpSigner.create().sign(r -> r.request(http.build())
                .identity(AwsCredentialsIdentity.create(accessKey, secret))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .putProperty(software.amazon.awssdk.http.auth.spi.signer.HttpSigner.SIGNING_CLOCK, Clock.systemUTC()));
        StringBuilder head = new StringBuilder(method).append(' ').append(signed.request().encodedPath());
        SdkHttpUtils.encodeAndFlattenQueryParameters(signed.request().rawQueryParameters())
                .ifPresent(q -> head.append('?').append(q));
        head.append(" HTTP/1.1\r\n");
        signed.request().forEachHeader((name, values) -> values.forEach(v -> head.append(name).append(": ").append(v)
                .append("\r\n")));
        head.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        return out.toByteArray();
    }

    void close() {
        gateway.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    /** What came back on one connection: empty when the gateway closed without answering. */
    record Answer(byte[] bytes) {

        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        /** The status of the first response, or -1 when nothing came back. */
        int status() {
            String t = text();
            if (t.isEmpty()) {
                return -1;
            }
            if (!t.startsWith("HTTP/1.1 ") || t.length() < 12) {
                throw new AssertionError("not an HTTP/1.1 response: " + abbreviate(t));
            }
            return Integer.parseInt(t.substring(9, 12));
        }

        String body() {
            String t = text();
            int end = t.indexOf("\r\n\r\n");
            return end < 0 ? "" : t.substring(end + 4);
        }

        static String abbreviate(String s) {
            return s.length() <= 600 ? s : s.substring(0, 600) + "...";
        }
    }
}
