package io.imagegate.gateway.auth;

import java.time.Duration;

/**
 * How {@link SigV4Verifier} judges requests.
 *
 * @param region the region this endpoint is, for errors and for {@code acceptAnyRegion=false}
 * @param acceptAnyRegion accept a credential scope naming any region; many clients default to
 *     one that is not ours, and the signature still binds the region they used
 * @param service the service name in the credential scope; "s3" except in the AWS test suite
 * @param maxClockSkew how far a request's time may be from ours (S3: 15 minutes)
 */
public record SigV4Config(String region, boolean acceptAnyRegion, String service, Duration maxClockSkew) {

    public static final String DEFAULT_REGION = "us-east-1";

    public static SigV4Config defaults() {
        return new SigV4Config(DEFAULT_REGION, true, "s3", Duration.ofMinutes(15));
    }

    public SigV4Config withRegion(String region, boolean acceptAnyRegion) {
        return new SigV4Config(region, acceptAnyRegion, service, maxClockSkew);
    }

    public SigV4Config withService(String service) {
        return new SigV4Config(region, acceptAnyRegion, service, maxClockSkew);
    }
}
