package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Verifies AWS Signature Version 4 on S3 requests, signed in the Authorization header or as a
 * presigned URL, and says how to read the body. Thread-safe; one instance serves every request.
 *
 * <p>Errors are thrown as {@link S3Exception} with the code, message and extra elements S3 uses.
 */
public final class SigV4Verifier {

    private static final String SIGNATURE_PARAM = "X-Amz-Signature";
    private static final long MAX_PRESIGNED_SECONDS = 604_800;

    private final SecretKeys secrets;
    private final Clock clock;
    private final SigV4Config config;

    public SigV4Verifier(SecretKeys secrets, Clock clock, SigV4Config config) {
        this.secrets = secrets;
        this.clock = clock;
        this.config = config;
    }

    public SigV4Verifier(SecretKeys secrets, Clock clock) {
        this(secrets, clock, SigV4Config.defaults());
    }

    /** Authenticates the request, or throws the S3Exception S3 would answer it with. */
    public Authentication verify(SignedRequest request) {
        QueryParameters query = QueryParameters.parse(request.rawQuery());
        String authorization = request.headers().first("authorization");
        boolean presigned = query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") || query.has(SIGNATURE_PARAM);
        if (authorization != null && presigned) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Only one auth mechanism allowed; only the "
                    + "X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization "
                    + "header should be specified").detail("ArgumentName", "Authorization")
                    .detail("ArgumentValue", authorization);
        }
        if (authorization != null) {
            return authenticate(request, query, headerClaim(request, authorization), Authentication.Method.AUTHORIZATION_HEADER);
        }
        if (presigned) {
            return authenticate(request, query, presignedClaim(request, query), Authentication.Method.PRESIGNED_URL);
        }
        if (query.has("AWSAccessKeyId") && query.has("Signature")) {
            throw unsupportedMechanism();
        }
        return anonymous(request);
    }

    private Authentication anonymous(SignedRequest request) {
        String value = request.headers().first("x-amz-content-sha256");
        PayloadKind kind = value == null ? PayloadKind.UNSIGNED : PayloadKind.of(value);
        if (kind.signedChunks) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED,
                    "A signed aws-chunked body requires a signed request (x-amz-content-sha256: " + value + ").");
        }
        return new Authentication(null, Authentication.Method.ANONYMOUS, kind.policy(value, request.headers(), null));
    }

    /** Checks the claim against the secret key, then builds the result. */
    private Authentication authenticate(SignedRequest request, QueryParameters query, Claim claim,
            Authentication.Method method) {
        String accessKey = claim.scope().accessKey();
        String secret = secrets.secretFor(accessKey).orElseThrow(() -> new S3Exception(
                S3ErrorCode.INVALID_ACCESS_KEY_ID).detail("AWSAccessKeyId", accessKey));
        SigningKey key = SigningKey.of(secret, claim.scope().date(), claim.scope().region(), claim.scope().service());
        String signature = checkSignature(request, query, claim, key);
        checkAmzHeadersSigned(request.headers(), claim.signedHeaders());
        ChunkSigner chunks = claim.payload().signedChunks
                ? new ChunkSigner(key, claim.timestamp(), claim.scope().scope(), signature)
                : null;
        return new Authentication(accessKey, method, claim.payload().policy(claim.payloadValue(), request.headers(), chunks));
    }

    private Claim headerClaim(SignedRequest request, String authorization) {
        if (!authorization.startsWith(AuthorizationHeader.ALGORITHM)) {
            throw unsupportedAuthorization(authorization);
        }
        AuthorizationHeader header = AuthorizationHeader.parse(authorization);
        CredentialScope scope = CredentialScope.parse(header.credential(), AuthLocation.HEADER);
        checkScope(scope, AuthLocation.HEADER);
        RequestHeaders headers = request.headers();
        String amzDate = headers.first("x-amz-date");
        String rawTime = amzDate != null ? amzDate : headers.first("date");
        Instant time = amzDate != null ? AmzDate.parseBasic(amzDate.trim()) : AmzDate.parseHttpDate(rawTime);
        if (time == null) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
        }
        String timestamp = amzDate != null ? amzDate.trim() : AmzDate.formatBasic(time);
        checkScopeDate(scope, timestamp, AuthLocation.HEADER);
        checkSkew(time, rawTime);
        String payloadValue = headers.first("x-amz-content-sha256");
        if (payloadValue == null) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                    "Missing required header for this request: x-amz-content-sha256");
        }
        PayloadKind payload = PayloadKind.of(payloadValue);
        return new Claim(AuthLocation.HEADER, scope, timestamp, signedHeaders(header.signedHeaders(), AuthLocation.HEADER),
                header.signedHeaders(), header.signature(), payloadValue, payloadValue, payload);
    }

    private Claim presignedClaim(SignedRequest request, QueryParameters query) {
        String algorithm = query.first("X-Amz-Algorithm");
        String credential = query.first("X-Amz-Credential");
        String date = query.first("X-Amz-Date");
        String expires = query.first("X-Amz-Expires");
        String signedHeaders = query.first("X-Amz-SignedHeaders");
        String signature = query.first(SIGNATURE_PARAM);
        if (algorithm == null || credential == null || date == null || expires == null || signedHeaders == null
                || signature == null) {
            throw queryError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                    + "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
        }
        if (!AuthorizationHeader.ALGORITHM.equals(algorithm)) {
            throw queryError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
        }
        CredentialScope scope = CredentialScope.parse(credential, AuthLocation.QUERY);
        checkScope(scope, AuthLocation.QUERY);
        Instant time = AmzDate.parseBasic(date);
        if (time == null) {
            throw queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }
        checkScopeDate(scope, date, AuthLocation.QUERY);
        checkPresignedWindow(time, expiresSeconds(expires), expires);
        String payloadValue = request.headers().first("x-amz-content-sha256");
        PayloadKind payload = payloadValue == null ? PayloadKind.UNSIGNED : PayloadKind.of(payloadValue);
        if (payload.chunked()) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                    "A presigned URL cannot carry an aws-chunked body (x-amz-content-sha256: " + payloadValue + ").");
        }
        String payloadHash = payloadValue == null ? PayloadKind.UNSIGNED_PAYLOAD : payloadValue;
        return new Claim(AuthLocation.QUERY, scope, date, signedHeaders(signedHeaders, AuthLocation.QUERY),
                signedHeaders, signature, payloadHash, payloadValue, payload);
    }

    /**
     * Computes the signature the claim should carry and compares it in constant time; returns it
     * (the seed of signed chunks). Clients that leave characters such as '!' or '(' unescaped
     * sign the path as sent, so that form is tried before giving up: both name the same key.
     */
    private String checkSignature(SignedRequest request, QueryParameters query, Claim claim, SigningKey key) {
        String canonicalQuery = query.canonical(claim.where() == AuthLocation.QUERY ? SIGNATURE_PARAM : null);
        String headers = Canonical.headers(request.headers(), claim.signedHeaders());
        String uri = Canonical.uri(request.rawPath());
        String canonicalRequest = Canonical.request(request.method(), uri, canonicalQuery, headers,
                claim.signedHeadersLine(), claim.payloadHash());
        String stringToSign = Canonical.stringToSign(claim.timestamp(), claim.scope().scope(), canonicalRequest);
        String expected = key.sign(stringToSign);
        if (Hashes.constantTimeEquals(expected, claim.signature())) {
            return expected;
        }
        for (String alternative : alternativePaths(request.rawPath(), uri)) {
            String signature = key.sign(Canonical.stringToSign(claim.timestamp(), claim.scope().scope(),
                    Canonical.request(request.method(), alternative, canonicalQuery, headers, claim.signedHeadersLine(),
                            claim.payloadHash())));
            if (Hashes.constantTimeEquals(signature, claim.signature())) {
                return signature;
            }
        }
        throw new S3Exception(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH)
                .detail("AWSAccessKeyId", claim.scope().accessKey())
                .detail("StringToSign", stringToSign)
                .detail("SignatureProvided", claim.signature())
                .detail("StringToSignBytes", Hashes.spacedHex(stringToSign))
                .detail("CanonicalRequest", canonicalRequest)
                .detail("CanonicalRequestBytes", Hashes.spacedHex(Canonical.bytes(canonicalRequest)));
    }

    /**
     * Other spellings of the same key a client may have signed: the path exactly as sent, and the
     * path with %2F as a plain '/' (the SDK's HTTP client sends "//" in a key as "/%2F" after
     * signing "//"). Tried only after the canonical form failed.
     */
    private static java.util.List<String> alternativePaths(String raw, String canonical) {
        java.util.List<String> out = new java.util.ArrayList<>(2);
        if (raw == null || !raw.startsWith("/")) {
            return out;
        }
        if (!raw.equals(canonical)) {
            out.add(raw);
        }
        if (raw.contains("%2F") || raw.contains("%2f")) {
            String slashes = Canonical.uri(raw.replace("%2F", "/").replace("%2f", "/"));
            if (!slashes.equals(canonical) && !out.contains(slashes)) {
                out.add(slashes);
            }
        }
        return out;
    }

    private void checkScope(CredentialScope scope, AuthLocation where) {
        if (!config.service().equals(scope.service())) {
            throw where.credentialError("incorrect service \"" + scope.service() + "\". This endpoint belongs to \""
                    + config.service() + "\".");
        }
        if (!config.acceptAnyRegion() && !config.region().equals(scope.region())) {
            throw where.credentialError("the region '" + scope.region() + "' is wrong; expecting '"
                    + config.region() + "'").detail("Region", config.region());
        }
    }

    private static void checkScopeDate(CredentialScope scope, String timestamp, AuthLocation where) {
        if (!timestamp.startsWith(scope.date())) {
            throw where.credentialError("Invalid credential date \"" + scope.date()
                    + "\". This date is not the same as X-Amz-Date: \"" + timestamp.substring(0, 8) + "\".");
        }
    }

    private void checkSkew(Instant requestTime, String rawTime) {
        Instant now = clock.instant();
        if (Duration.between(requestTime, now).abs().compareTo(config.maxClockSkew()) > 0) {
            throw new S3Exception(S3ErrorCode.REQUEST_TIME_TOO_SKEWED)
                    .detail("RequestTime", rawTime)
                    .detail("ServerTime", AmzDate.formatIso(now))
                    .detail("MaxAllowedSkewMilliseconds", Long.toString(config.maxClockSkew().toMillis()));
        }
    }

    /** A lifetime of 0 is valid and over at once, as in S3: such a URL is always "Request has expired". */
    private void checkPresignedWindow(Instant signedAt, long expiresSeconds, String rawExpires) {
        Instant now = clock.instant();
        Instant expiry = signedAt.plusSeconds(expiresSeconds);
        if (expiresSeconds == 0 || now.isAfter(expiry)) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "Request has expired")
                    .detail("X-Amz-Expires", rawExpires)
                    .detail("Expires", AmzDate.formatIso(expiry))
                    .detail("ServerTime", AmzDate.formatIso(now));
        }
        if (now.isBefore(signedAt.minus(config.maxClockSkew()))) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "Request is not valid yet")
                    .detail("X-Amz-Date", AmzDate.formatIso(signedAt))
                    .detail("ServerTime", AmzDate.formatIso(now));
        }
    }

    private static long expiresSeconds(String expires) {
        long seconds;
        try {
            seconds = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            throw queryError("X-Amz-Expires should be a number");
        }
        if (seconds < 0) {
            throw queryError("X-Amz-Expires must be non-negative");
        }
        if (seconds > MAX_PRESIGNED_SECONDS) {
            throw queryError("X-Amz-Expires must be less than a week (in seconds) that is 604800");
        }
        return seconds;
    }

    /** Splits SignedHeaders; host must be among them, as S3 requires. */
    private static List<String> signedHeaders(String line, AuthLocation where) {
        List<String> names = new ArrayList<>(8);
        int start = 0;
        while (start <= line.length()) {
            int semicolon = line.indexOf(';', start);
            int end = semicolon < 0 ? line.length() : semicolon;
            String name = line.substring(start, end).trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                throw where == AuthLocation.HEADER
                        ? new S3Exception(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED,
                                "The authorization header is malformed; SignedHeaders is empty or has an empty name.")
                        : queryError("X-Amz-SignedHeaders is empty or has an empty name.");
            }
            names.add(name);
            start = end + 1;
        }
        if (!names.contains("host")) {
            throw headersNotSigned("host");
        }
        return names;
    }

    /**
     * S3 refuses x-amz-* headers the signature does not cover: they change what a request does. So
     * do imagegate's x-imagegate-* headers (a commit's base version, a bucket's chunk size).
     */
    private static void checkAmzHeadersSigned(RequestHeaders headers, List<String> signed) {
        List<String> unsigned = null;
        for (String name : headers.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if ((lower.startsWith("x-amz-") || lower.startsWith("x-imagegate-")) && !signed.contains(lower)) {
                if (unsigned == null) {
                    unsigned = new ArrayList<>(2);
                }
                unsigned.add(lower);
            }
        }
        if (unsigned != null) {
            throw headersNotSigned(String.join(", ", unsigned));
        }
    }

    private static S3Exception headersNotSigned(String names) {
        return new S3Exception(S3ErrorCode.ACCESS_DENIED, "There were headers present in the request which were not signed")
                .detail("HeadersNotSigned", names);
    }

    private static S3Exception queryError(String message) {
        return new S3Exception(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, message);
    }

    private static S3Exception unsupportedAuthorization(String authorization) {
        if (authorization.startsWith("AWS ") || authorization.startsWith("AWS4-ECDSA-P256-SHA256")) {
            return unsupportedMechanism();
        }
        return new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Unsupported Authorization Type")
                .detail("ArgumentName", "Authorization")
                .detail("ArgumentValue", authorization);
    }

    private static S3Exception unsupportedMechanism() {
        return new S3Exception(S3ErrorCode.INVALID_REQUEST,
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
    }
}
