package io.imagegate.s3compat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Well-formed requests the SDK has no method for (imagegate's extensions) or whose raw answer a
 * test must see (XML the SDK would decode), signed by the SDK's own SigV4 signer and sent with
 * the JDK's HTTP client.
 */
final class SignedHttp {

    record Response(int status, Map<String, List<String>> headers, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        /** The S3 error code of an XML error body, or null. */
        String code() {
            String t = text();
            int a = t.indexOf("<Code>");
            return a < 0 ? null : t.substring(a + 6, t.indexOf("</Code>", a));
        }
    }

    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** Requests signed as the non-admin {@link GatewayFixture#TENANT}. */
    SignedHttp(URI endpoint) {
        this(endpoint, GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY);
    }

    SignedHttp(URI endpoint, String accessKey, String secretKey) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** @param rawPathAndQuery already percent-encoded, e.g. {@code /b/k?manifest&offset=0} */
    Response send(String method, String rawPathAndQuery, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(endpoint.resolve(rawPathAndQuery));
        headers.forEach(b::putHeader);
        byte[] payload = body == null ? new byte[0] : body;
        b.contentStreamProvider(ContentStreamProvider.fromByteArray(payload));
        SdkHttpFullRequest request = b.build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .payload(request.contentStreamProvider().orElse(null))
                .identity(AwsBasicCredentials.create(accessKey, secretKey))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true));
        HttpRequest.Builder out = HttpRequest.newBuilder(signed.request().getUri())
                .timeout(Duration.ofMinutes(5))
                .method(method, payload.length == 0 && !method.equals("POST") && !method.equals("PUT")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(payload));
        signed.request().headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> out.header(k, v));
            }
        });
        HttpResponse<byte[]> resp = http.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(resp.statusCode(), resp.headers().map(), resp.body());
    }

    Response get(String rawPathAndQuery) throws IOException, InterruptedException {
        return send("GET", rawPathAndQuery, Map.of(), null);
    }
}
