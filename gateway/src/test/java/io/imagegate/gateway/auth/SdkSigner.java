package io.imagegate.gateway.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Signs requests with the AWS SDK for Java v2's own SigV4 signer, configured as its S3 client
 * configures it (no double encoding, no path normalisation), and hands back what a server
 * would receive.
 */
final class SdkSigner {

    /** A signed request as it arrives: the verifier's view and the body bytes on the wire. */
    record Wire(SignedRequest request, byte[] body) {}

    /** What to sign; every field but method and path is optional. */
    static final class Spec {
        final SdkHttpMethod method;
        final String encodedPath;
        final Map<String, List<String>> query = new LinkedHashMap<>();
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        byte[] body;
        boolean signPayload = true;
        boolean chunked;
        ChecksumAlgorithm trailerChecksum;
        Duration presignedFor;
        String region = "us-east-1";
        String accessKey = SdkSignedRequestsTest.ACCESS_KEY;
        String secret = SdkSignedRequestsTest.SECRET;

        Spec(SdkHttpMethod method, String encodedPath) {
            this.method = method;
            this.encodedPath = encodedPath;
        }

        /** A query parameter, unencoded; a null value is a parameter without '='. */
        Spec query(String name, String value) {
            query.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(value);
            return this;
        }

        Spec header(String name, String... values) {
            headers.put(name, List.of(values));
            return this;
        }

        Spec body(byte[] body) {
            this.body = body;
            return this;
        }
    }

    static Spec spec(SdkHttpMethod method, String bucket, String key) {
        return new Spec(method, "/" + bucket + (key == null ? "" : "/" + SdkHttpUtils.urlEncodeIgnoreSlashes(key)));
    }

    static Wire sign(Spec spec, Clock clock) {
        SdkHttpFullRequest.Builder http = SdkHttpFullRequest.builder()
                .method(spec.method).protocol("https").host("localhost").port(9000)
                .encodedPath(spec.encodedPath);
        spec.query.forEach(http::putRawQueryParameter);
        spec.headers.forEach(http::putHeader);
        if (spec.body != null) {
            http.putHeader("Content-Length", Integer.toString(spec.body.length));
        }
        var signed = AwsV4HttpSigner.create().sign(r -> {
            r.request(http.build())
                    .identity(AwsCredentialsIdentity.create(spec.accessKey, spec.secret))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, spec.region)
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    // The S3 presigner never signs a payload: presigned URLs carry UNSIGNED-PAYLOAD.
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, spec.signPayload && spec.presignedFor == null)
                    .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, spec.chunked)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock);
            if (spec.body != null) {
                r.payload(ContentStreamProvider.fromByteArray(spec.body));
            }
            if (spec.trailerChecksum != null) {
                r.putProperty(AwsV4HttpSigner.CHECKSUM_ALGORITHM, spec.trailerChecksum);
            }
            if (spec.presignedFor != null) {
                r.putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, spec.presignedFor);
            }
        });
        byte[] body = signed.payload().map(SdkSigner::readAll).orElse(new byte[0]);
        return new Wire(toSignedRequest(signed.request()), body);
    }

    static SignedRequest toSignedRequest(SdkHttpRequest request) {
        RequestHeaders.Builder headers = RequestHeaders.builder();
        request.forEachHeader((name, values) -> values.forEach(v -> headers.add(name, v)));
        String query = SdkHttpUtils.encodeAndFlattenQueryParameters(request.rawQueryParameters()).orElse(null);
        return new SignedRequest(request.method().name(), request.encodedPath(), query, headers.build());
    }

    private static byte[] readAll(ContentStreamProvider provider) {
        try (InputStream in = provider.newStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SdkSigner() {}
}
