package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 2, which S3 still accepts and which boto3 and aws-cli use by default
 * for presigned URLs ({@code ?AWSAccessKeyId=&Expires=&Signature=}); also the
 * {@code Authorization: AWS key:signature} header form. HMAC-SHA1 over method, Content-MD5,
 * Content-Type, date or expiry, the x-amz-* headers and the resource with its subresources.
 * The body is not signed in this scheme, so it is read as sent.
 *
 * <p>Version 2 signs a fixed list of subresources and only the {@code x-amz-*} headers, which
 * AWS defined before imagegate's extensions existed: a V2 signature does not cover their query
 * parameters or {@code x-imagegate-*} headers, so a request carrying any of them is refused, and
 * a signed URL cannot be turned into an extension call by appending one (docs/SECURITY.md).
 */
public final class SigV2Verifier {

    /** Query parameters that are part of the signed resource, as S3 defines them. */
    private static final List<String> SUBRESOURCES = List.of(
            "accelerate", "acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
            "partNumber", "policy", "requestPayment", "response-cache-control", "response-content-disposition",
            "response-content-encoding", "response-content-language", "response-content-type", "response-expires",
            "restore", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
            "replication", "object-lock", "retention", "legal-hold", "attributes", "select", "select-type");

    /** imagegate's own query parameters (docs/API.md): never part of a V2 string to sign. */
    private static final List<String> EXTENSION_PARAMETERS = List.of("commit", "missing-chunks", "manifest",
            "storage-report");

    private final SecretKeys secrets;
    private final Clock clock;
    private final Duration maxSkew;

    public SigV2Verifier(SecretKeys secrets, Clock clock, Duration maxSkew) {
        this.secrets = secrets;
        this.clock = clock;
        this.maxSkew = maxSkew;
    }

    /** True when the request carries a V2 signature, in the header or the query. */
    public static boolean applies(SignedRequest request, Map<String, String> query) {
        String auth = request.headers().first("authorization");
        if (auth != null) {
            return auth.startsWith("AWS ");
        }
        return query.containsKey("AWSAccessKeyId") && query.containsKey("Signature");
    }

    /**
     * @param query      the decoded query parameters
     * @param bucketHost the bucket when it was named by the Host header (virtual-hosted style), else null
     */
    public Authentication verify(SignedRequest request, Map<String, String> query, String bucketHost) {
        refuseExtensions(request, query);
        String auth = request.headers().first("authorization");
        boolean presigned = auth == null;
        String accessKey;
        String signature;
        String dateLine;
        if (presigned) {
            accessKey = query.get("AWSAccessKeyId");
            signature = query.get("Signature");
            dateLine = expires(query.get("Expires"));
        } else {
            String creds = auth.substring(4).trim();
            int colon = creds.lastIndexOf(':');
            if (colon <= 0) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
                        .detail("ArgumentName", "Authorization").detail("ArgumentValue", auth);
            }
            accessKey = creds.substring(0, colon);
            signature = creds.substring(colon + 1);
            dateLine = checkDate(request);
        }
        String secret = secrets.secretFor(accessKey).orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_ACCESS_KEY_ID)
                .detail("AWSAccessKeyId", accessKey));
        String stringToSign = stringToSign(request, query, bucketHost, dateLine, presigned);
        String expected = hmacSha1(secret, stringToSign);
        if (!Hashes.constantTimeEquals(expected, signature)) {
            throw new S3Exception(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH)
                    .detail("AWSAccessKeyId", accessKey)
                    .detail("StringToSign", stringToSign)
                    .detail("SignatureProvided", signature)
                    .detail("StringToSignBytes", Hashes.spacedHex(stringToSign));
        }
        return new Authentication(accessKey,
                presigned ? Authentication.Method.PRESIGNED_URL : Authentication.Method.AUTHORIZATION_HEADER,
                new PayloadPolicy.Unsigned(PayloadKind.UNSIGNED_PAYLOAD));
    }

    /** 400 InvalidRequest, as S3 refuses V2 where it does not accept it, for what V2 cannot sign. */
    private static void refuseExtensions(SignedRequest request, Map<String, String> query) {
        for (String p : EXTENSION_PARAMETERS) {
            if (query.containsKey(p)) {
                throw unsupported("?" + p);
            }
        }
        for (String name : request.headers().names()) {
            if (name.toLowerCase(Locale.ROOT).startsWith("x-imagegate-")) {
                throw unsupported(name.toLowerCase(Locale.ROOT));
            }
        }
    }

    private static S3Exception unsupported(String what) {
        return new S3Exception(S3ErrorCode.INVALID_REQUEST, "The authorization mechanism you have provided is not "
                + "supported. Please use AWS4-HMAC-SHA256. (Signature Version 2 does not sign " + what + ".)");
    }

    private String expires(String value) {
        long expires;
        try {
            expires = Long.parseLong(value);
        } catch (NumberFormatException | NullPointerException e) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
        }
        Instant now = clock.instant();
        if (now.getEpochSecond() > expires) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "Request has expired")
                    .detail("Expires", Instant.ofEpochSecond(expires).toString())
                    .detail("ServerTime", now.toString());
        }
        return value;
    }

    /** The Date line: empty when x-amz-date is sent (it is signed among the x-amz headers). */
    private String checkDate(SignedRequest request) {
        String amzDate = request.headers().first("x-amz-date");
        String date = amzDate != null ? amzDate : request.headers().first("date");
        if (date == null) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
        }
        Instant t;
        try {
            t = ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
        }
        Instant now = clock.instant();
        if (Duration.between(t, now).abs().compareTo(maxSkew) > 0) {
            throw new S3Exception(S3ErrorCode.REQUEST_TIME_TOO_SKEWED)
                    .detail("RequestTime", date).detail("ServerTime", now.toString())
                    .detail("MaxAllowedSkewMilliseconds", String.valueOf(maxSkew.toMillis()));
        }
        return amzDate != null ? "" : date;
    }

    static String stringToSign(SignedRequest request, Map<String, String> query, String bucketHost, String dateLine,
                               boolean presigned) {
        StringBuilder sb = new StringBuilder();
        sb.append(request.method()).append('\n');
        sb.append(orEmpty(request.headers().first("content-md5"))).append('\n');
        sb.append(orEmpty(request.headers().first("content-type"))).append('\n');
        sb.append(dateLine).append('\n');
        TreeMap<String, List<String>> amz = new TreeMap<>();
        for (String name : request.headers().names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-amz-") && !(presigned && lower.equals("x-amz-date"))) {
                amz.computeIfAbsent(lower, k -> new ArrayList<>()).addAll(request.headers().all(name));
            }
        }
        amz.forEach((name, values) -> sb.append(name).append(':')
                .append(String.join(",", values.stream().map(String::trim).toList())).append('\n'));
        if (bucketHost != null) {
            sb.append('/').append(bucketHost);
        }
        String path = request.rawPath();
        int q = path.indexOf('?');
        sb.append(q < 0 ? path : path.substring(0, q));
        char sep = '?';
        for (String sub : new java.util.TreeSet<>(SUBRESOURCES)) {
            if (query.containsKey(sub)) {
                sb.append(sep).append(sub);
                String v = query.get(sub);
                if (v != null && !v.isEmpty()) {
                    sb.append('=').append(v);
                }
                sep = '&';
            }
        }
        return sb.toString();
    }

    private static String hmacSha1(String secret, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA1", e);
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
