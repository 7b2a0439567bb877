package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.cors.CorsRules;
import io.imagegate.gateway.cors.CorsXml;
import io.imagegate.gateway.http.Call;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CorsConfiguration;
import io.imagegate.meta.MetadataException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * PutBucketCors, GetBucketCors and DeleteBucketCors ({@code ?cors}); the preflight ({@code OPTIONS},
 * anonymous: it tells only whether a rule allows the request) and the CORS headers of actual requests
 * that carry an Origin a rule allows. CORS never grants access: an actual request is authorized as any
 * other. docs/API.md, "CORS".
 */
public final class BucketCors {

    /** S3 sets no documented limit on the body; 100 rules of AWS's sizes fit well under it. */
    private static final int MAX_BODY = 256 * 1024;

    static final String NOT_ALLOWED = "CORSResponse: This CORS request is not allowed. This is usually because the "
            + "evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
            + "are not whitelisted by the resource's CORS spec.";

    private static final String VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

    private final Stores stores;

    public BucketCors(Stores stores) {
        this.stores = stores;
    }

    public void put(Call call, BucketRecord bucket) throws IOException {
        byte[] body = call.smallBody(MAX_BODY);
        RequiredIntegrity.check(call, body);
        CorsConfiguration config = CorsXml.parse(body);
        stores.meta().putCors(bucket, config);
        call.respond(200);
    }

    public void get(Call call, BucketRecord bucket) {
        CorsConfiguration config = stores.meta().cors(bucket.name())
                .orElseThrow(() -> new S3Exception(S3ErrorCode.NO_SUCH_CORS_CONFIGURATION)
                        .detail("BucketName", bucket.name()));
        call.respondXml(200, CorsXml.write(config));
    }

    public void delete(Call call, BucketRecord bucket) {
        stores.meta().deleteCors(bucket);
        call.respond(204);
    }

    /**
     * An {@code OPTIONS} request to {@code bucket} (the bucket named by host or path; null when none),
     * answered before and without authentication, as S3 does.
     */
    public void preflight(Call call, String bucket) {
        String origin = call.header("Origin");
        if (origin == null) {
            throw new S3Exception(S3ErrorCode.BAD_REQUEST, "Insufficient information. Origin request header needed.");
        }
        String method = call.header("Access-Control-Request-Method");
        if (method == null) {
            throw new S3Exception(S3ErrorCode.BAD_REQUEST, "Invalid Access-Control-Request-Method: null");
        }
        if (bucket == null) {
            throw new S3Exception(S3ErrorCode.ACCESS_FORBIDDEN, "CORSResponse: Bucket not found");
        }
        Optional<CorsConfiguration> config;
        try {
            config = stores.meta().cors(bucket);
        } catch (MetadataException.NoSuchBucket e) {
            throw new S3Exception(S3ErrorCode.ACCESS_FORBIDDEN, "CORSResponse: Bucket not found");
        }
        if (config.isEmpty()) {
            throw new S3Exception(S3ErrorCode.ACCESS_FORBIDDEN, "CORSResponse: CORS is not enabled for this bucket.");
        }
        String requested = call.header("Access-Control-Request-Headers");
        List<String> headers = CorsRules.requestedHeaders(requested);
        CorsConfiguration.Rule rule = CorsRules.match(config.get(), origin, method, headers)
                .orElseThrow(() -> new S3Exception(S3ErrorCode.ACCESS_FORBIDDEN, NOT_ALLOWED));
        ruleHeaders(call, rule, origin);
        if (!headers.isEmpty()) {
            call.respondHeader("Access-Control-Allow-Headers", String.join(", ", headers));
        }
        call.respond(200);
    }

    /**
     * The CORS headers of a request carrying an Origin, after its authorization: those of the first
     * rule that allows its origin and method; none when no rule does (the browser then keeps the
     * response from the page). The request itself goes on either way.
     */
    public void actualRequest(Call call, BucketRecord bucket) {
        String origin = call.header("Origin");
        if (origin == null) {
            return;
        }
        Optional<CorsConfiguration> config = stores.meta().cors(bucket.name()); // cached for a second, absence included
        if (config.isEmpty()) {
            return;
        }
        CorsRules.match(config.get(), origin, call.method(), List.of()).ifPresent(r -> ruleHeaders(call, r, origin));
    }

    private static void ruleHeaders(Call call, CorsConfiguration.Rule rule, String origin) {
        String allowOrigin = CorsRules.allowOrigin(rule, origin);
        call.respondHeader("Access-Control-Allow-Origin", allowOrigin);
        call.respondHeader("Access-Control-Allow-Methods", String.join(", ", rule.allowedMethods()));
        if (!rule.exposeHeaders().isEmpty()) {
            call.respondHeader("Access-Control-Expose-Headers", String.join(", ", rule.exposeHeaders()));
        }
        if (rule.maxAgeSeconds() != null) {
            call.respondHeader("Access-Control-Max-Age", rule.maxAgeSeconds());
        }
        if (!allowOrigin.equals("*")) {
            call.respondHeader("Access-Control-Allow-Credentials", "true");
        }
        call.respondHeader("Vary", VARY);
    }
}
