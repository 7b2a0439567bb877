package io.imagegate.agent.remote;

import java.net.URI;

/**
 * Where and as whom the agent talks S3: an endpoint (null for AWS itself), a region and, when the
 * caller resolved them, explicit keys; otherwise the SDK's default chain (environment, profile...).
 */
public record S3Endpoint(URI endpoint, String region, String accessKey, String secretKey, String sessionToken) {

    public S3Endpoint withoutKeys() {
        return new S3Endpoint(endpoint, region, null, null, null);
    }

    /** A stable name of the service for cache identities of plain-S3 chunks. */
    public String identity() {
        return endpoint == null ? "aws:" + region : endpoint.toString().replaceAll("/+$", "");
    }
}
