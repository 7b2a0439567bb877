package io.imagegate.agent.remote;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where and as whom the agent talks S3: an endpoint (null for AWS itself), a region and, when the
 * caller resolved them, explicit keys; otherwise the SDK's default chain (environment, profile...).
 * {@code caBundle}, when set, is the PEM file of the certificate authorities an {@code https://}
 * endpoint is trusted by, instead of the JDK's (aws-cli's {@code --ca-bundle}).
 */
public record S3Endpoint(URI endpoint, String region, String accessKey, String secretKey, String sessionToken,
                         Path caBundle) {

    public S3Endpoint(URI endpoint, String region, String accessKey, String secretKey, String sessionToken) {
        this(endpoint, region, accessKey, secretKey, sessionToken, null);
    }

    public S3Endpoint withoutKeys() {
        return new S3Endpoint(endpoint, region, null, null, null, caBundle);
    }

    public S3Endpoint withCaBundle(Path bundle) {
        return new S3Endpoint(endpoint, region, accessKey, secretKey, sessionToken, bundle);
    }

    /** A stable name of the service for cache identities of plain-S3 chunks. */
    public String identity() {
        return endpoint == null ? "aws:" + region : endpoint.toString().replaceAll("/+$", "");
    }
}
