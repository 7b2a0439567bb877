package io.imagegate.gateway.http;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.auth.Authentication;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.auth.PayloadStream;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.auth.RequestHeaders;
import io.imagegate.gateway.auth.SecretKeys;
import io.imagegate.gateway.auth.SigV2Verifier;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.auth.SigV4Verifier;
import io.imagegate.gateway.auth.SignedRequest;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Authenticates against the users in the metadata store with AWS Signature Version 4 (or
 * Version 2, which boto3 and aws-cli still use for presigned URLs), then installs the verified
 * body: signed and streaming payloads are checked as they are read.
 */
public final class SignatureAuthenticator implements Authenticator {

    private final MetadataStore meta;
    private final SigV4Verifier v4;
    private final SigV2Verifier v2;
    private final RequestParser hosts;
    /**
     * The user whose secret the verifier looked up on this thread, during {@link #authenticate}:
     * the principal comes from the same lookup, so a request costs one user lookup, not two.
     */
    private final ThreadLocal<UserRecord> lookedUp = new ThreadLocal<>();

    public SignatureAuthenticator(MetadataStore meta, Clock clock, SigV4Config config, RequestParser hosts) {
        this.meta = meta;
        SecretKeys secrets = accessKey -> {
            Optional<UserRecord> user = meta.userByAccessKey(accessKey);
            lookedUp.set(user.orElse(null));
            return user.map(UserRecord::secretKey);
        };
        this.v4 = new SigV4Verifier(secrets, clock, config);
        this.v2 = new SigV2Verifier(secrets, clock, config.maxClockSkew());
        this.hosts = hosts;
    }

    @Override
    public void authenticate(Call call) throws IOException {
        SignedRequest request = new SignedRequest(call.method(), call.rawPath(),
                call.exchange().getQueryString(), new UndertowHeaders(call.exchange().getRequestHeaders()));
        Authentication auth;
        UserRecord user;
        try {
            auth = SigV2Verifier.applies(request, call.query().all())
                    ? v2.verify(request, call.query().all(), hosts.bucketFromHost(call.header("Host")))
                    : v4.verify(request);
            user = lookedUp.get();
        } finally {
            lookedUp.remove();
        }
        if (!auth.isAnonymous()) {
            // the user whose secret verified the signature; a user deleted after that lookup is
            // deleted after this request was authorized, as if the deletion had come a moment later
            if (user == null || !user.accessKey().equals(auth.accessKey())) {
                user = meta.userByAccessKey(auth.accessKey())
                        .orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_ACCESS_KEY_ID));
            }
            call.principal(new Principal(user.name(), user.admin(), user.canonicalId()));
        }
        checkTrailerNames(call);
        PayloadStream body = auth.payload().wrapBody(call.exchange().getInputStream(), call.contentLength());
        call.body(body);
        call.trailers(body::trailers);
    }

    /** x-amz-trailer may announce checksums only, as in S3: any other trailing header is refused. */
    private static void checkTrailerNames(Call call) {
        HeaderValues values = call.exchange().getRequestHeaders().get("x-amz-trailer");
        if (values == null) {
            return;
        }
        for (String value : values) {
            for (String name : value.split(",")) {
                String n = name.trim();
                boolean checksum = ChecksumAlgorithm.fromHeaderName(n).filter(ChecksumAlgorithm::isAmzChecksum).isPresent();
                if (!checksum) {
                    throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                            "The value specified in the x-amz-trailer header is not supported");
                }
            }
        }
    }

    /** Undertow's header map seen through the verifier's interface, without copying. */
    private record UndertowHeaders(HeaderMap map) implements RequestHeaders {

        @Override
        public List<String> all(String name) {
            HeaderValues v = map.get(name);
            return v == null ? List.of() : v;
        }

        @Override
        public Iterable<String> names() {
            List<String> names = new ArrayList<>();
            for (HttpString n : map.getHeaderNames()) {
                names.add(n.toString());
            }
            return names;
        }
    }
}
