package io.imagegate.gateway.api;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request.*;
import io.imagegate.gateway.http.Query;
import io.imagegate.gateway.http.UriCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns method, host, path, query and headers into one {@link S3Request}: path-style
 * ({@code /bucket/key}) and virtual-hosted-style ({@code bucket.domain/key}) addressing.
 */
public final class RequestParser {

    public static final int MAX_KEY_BYTES = 1024;
    /** The longest name a bucket could have (S3: 63; the metadata store: 255). */
    private static final int MAX_BUCKET_NAME = 255;

    /** Subresources of S3 that imagegate does not implement: answered with NotImplemented. */
    private static final Set<String> UNSUPPORTED = Set.of(
            "accelerate", "analytics", "attributes", "encryption", "intelligent-tiering",
            "inventory", "legal-hold", "logging", "metrics", "notification", "object-lock",
            "ownershipControls", "policyStatus", "publicAccessBlock", "replication",
            "requestPayment", "restore", "retention", "select", "tagging", "torrent", "website");

    private final List<String> domains;

    /** @param domains host names under which {@code bucket.<domain>} means virtual-hosted style */
    public RequestParser(List<String> domains) {
        this.domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * @param rawPath the path exactly as sent, still percent-encoded
     * @param header  header lookup by name (case-insensitive); null when absent
     */
    public S3Request parse(String method, String host, String rawPath, Query query, Function<String, String> header) {
        Target t = target(host, rawPath);
        for (String sub : UNSUPPORTED) {
            if (query.has(sub)) {
                throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                        "The ?" + sub + " subresource is not implemented by imagegate.");
            }
        }
        if (t.bucket == null) {
            if (method.equals("GET") && query.has("storage-report")) {
                return new GetStorageReport(emptyToNull(query.get("bucket")));
            }
            if (method.equals("GET")) {
                return new ListBuckets(listBucketsParams(query));
            }
            throw methodNotAllowed();
        }
        if (t.key == null) {
            return bucketRequest(method, t.bucket, query);
        }
        if (query.has("lifecycle")) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "The ?lifecycle subresource applies to buckets.");
        }
        if (query.has("policy")) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "The ?policy subresource applies to buckets.");
        }
        if (query.has("cors")) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "The ?cors subresource applies to buckets.");
        }
        checkKey(t.key);
        return objectRequest(method, t.bucket, t.key, query, header);
    }

    private S3Request bucketRequest(String method, String bucket, Query q) {
        return switch (method) {
            case "GET" -> {
                if (q.has("location")) yield new GetBucketLocation(bucket);
                if (q.has("versioning")) yield new GetBucketVersioning(bucket);
                if (q.has("acl")) yield new GetBucketAcl(bucket);
                if (q.has("lifecycle")) yield new GetBucketLifecycleConfiguration(bucket);
                if (q.has("cors")) yield new GetBucketCors(bucket);
                if (q.has("policy")) yield new GetBucketPolicy(bucket);
                if (q.has("versions")) {
                    yield new ListObjectVersions(bucket, q.get("prefix"), emptyToNull(q.get("delimiter")),
                            q.get("key-marker"), q.get("version-id-marker"), maxKeys(q, "max-keys"), urlEncoding(q));
                }
                if (q.has("uploads")) {
                    yield new ListMultipartUploads(bucket, q.get("prefix"), emptyToNull(q.get("delimiter")),
                            q.get("key-marker"), q.get("upload-id-marker"), maxKeys(q, "max-uploads"), urlEncoding(q));
                }
                yield new ListObjects(bucket, listParams(q));
            }
            case "HEAD" -> new HeadBucket(bucket);
            case "PUT" -> {
                if (q.has("versioning")) yield new PutBucketVersioning(bucket);
                if (q.has("acl")) yield new PutBucketAcl(bucket);
                if (q.has("lifecycle")) yield new PutBucketLifecycleConfiguration(bucket);
                if (q.has("cors")) yield new PutBucketCors(bucket);
                if (q.has("policy")) yield new PutBucketPolicy(bucket);
                yield new CreateBucket(bucket);
            }
            case "DELETE" -> q.has("lifecycle") ? new DeleteBucketLifecycle(bucket)
                    : q.has("cors") ? new DeleteBucketCors(bucket)
                    : q.has("policy") ? new DeleteBucketPolicy(bucket) : new DeleteBucket(bucket);
            case "POST" -> {
                if (q.has("delete")) yield new DeleteObjects(bucket);
                throw methodNotAllowed();
            }
            default -> throw methodNotAllowed();
        };
    }

    private S3Request objectRequest(String method, String bucket, String key, Query q, Function<String, String> header) {
        String versionId = q.get("versionId");
        String uploadId = q.get("uploadId");
        return switch (method) {
            case "GET", "HEAD" -> {
                boolean head = method.equals("HEAD");
                // S3's own operations first: a parameter of an extension added to an S3 request
                // never turns it into another operation (SigV2 does not sign extension parameters)
                if (!head && q.has("acl")) yield new GetObjectAcl(bucket, key, versionId);
                if (!head && uploadId != null) {
                    yield new ListParts(bucket, key, uploadId, maxKeys(q, "max-parts"),
                            nonNegative(q, "part-number-marker", 0));
                }
                if (!head && q.has("manifest")) {
                    boolean binary = manifestFormat(q);
                    yield new GetManifest(bucket, key, versionId, nonNegativeLong(q, "offset"), maxChunks(q, binary),
                            binary);
                }
                Integer part = q.has("partNumber") ? partNumber(q) : null;
                yield new GetObject(bucket, key, versionId, part, head);
            }
            case "PUT" -> {
                if (q.has("acl")) yield new PutObjectAcl(bucket, key, versionId);
                String copySource = header.apply("x-amz-copy-source");
                if (uploadId != null || q.has("partNumber")) {
                    if (uploadId == null) {
                        throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "A partNumber requires an uploadId.");
                    }
                    int part = partNumber(q);
                    yield copySource == null
                            ? new UploadPart(bucket, key, uploadId, part)
                            : new UploadPartCopy(bucket, key, uploadId, part, copySource(copySource));
                }
                yield copySource == null ? new PutObject(bucket, key)
                        : new CopyObject(bucket, key, copySource(copySource));
            }
            case "POST" -> {
                if (q.has("uploads")) yield new CreateMultipartUpload(bucket, key);
                if (uploadId != null) yield new CompleteMultipartUpload(bucket, key, uploadId);
                if (q.has("missing-chunks")) yield new MissingChunks(bucket, key, versionId);
                if (q.has("commit")) yield new CommitVersion(bucket, key);
                throw methodNotAllowed();
            }
            case "DELETE" -> uploadId != null ? new AbortMultipartUpload(bucket, key, uploadId)
                    : new DeleteObject(bucket, key, versionId);
            default -> throw methodNotAllowed();
        };
    }

    private ListParams listParams(Query q) {
        boolean v2 = "2".equals(q.get("list-type"));
        if (q.has("list-type") && !v2) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid List Type specified")
                    .detail("ArgumentName", "list-type").detail("ArgumentValue", q.get("list-type"));
        }
        String marker = v2 ? q.get("start-after") : q.get("marker");
        return new ListParams(v2, q.get("prefix"), emptyToNull(q.get("delimiter")), marker,
                v2 ? q.get("continuation-token") : null, maxKeys(q, "max-keys"), urlEncoding(q),
                "true".equals(q.get("fetch-owner")));
    }

    /** The most buckets one ListBuckets page holds, and its page size when paged without max-buckets. */
    public static final int MAX_BUCKETS = 10_000;

    private static ListBucketsParams listBucketsParams(Query q) {
        Integer max = null;
        String v = q.get("max-buckets");
        if (v != null && !v.isEmpty()) {
            long n;
            try {
                if (!v.matches("-?[0-9]+")) {
                    throw new NumberFormatException(v);
                }
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
                        "Provided max-buckets not an integer or within integer range")
                        .detail("ArgumentName", "max-buckets").detail("ArgumentValue", v);
            }
            if (n < 1 || n > MAX_BUCKETS) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
                        "Argument max-buckets must be an integer between 1 and " + MAX_BUCKETS)
                        .detail("ArgumentName", "max-buckets").detail("ArgumentValue", String.valueOf(n));
            }
            max = (int) n;
        } else if (v != null) {
            max = MAX_BUCKETS;
        }
        return new ListBucketsParams(max, q.get("continuation-token"), q.get("prefix"), q.get("bucket-region"));
    }

    /** Where the request points: bucket from the host or the first path segment, then the key. */
    private Target target(String host, String rawPath) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        if (!path.startsWith("/")) {
            // an absolute-form request target: keep only the path
            int slash = path.indexOf('/', path.indexOf("//") + 2);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        String hostBucket = bucketFromHost(host);
        if (hostBucket != null) {
            String key = path.length() > 1 ? UriCodec.decode(path.substring(1), false) : null;
            return new Target(hostBucket, key);
        }
        int slash = path.indexOf('/', 1);
        if (path.length() <= 1) {
            return new Target(null, null);
        }
        String bucket = UriCodec.decode(slash < 0 ? path.substring(1) : path.substring(1, slash), false);
        if (bucket.isEmpty() || bucket.length() > MAX_BUCKET_NAME) {
            // "//key": no bucket can have this name
            throw new S3Exception(S3ErrorCode.INVALID_BUCKET_NAME).detail("BucketName", bucket);
        }
        String rest = slash < 0 ? "" : path.substring(slash + 1);
        return new Target(bucket, rest.isEmpty() ? null : UriCodec.decode(rest, false));
    }

    /** The bucket a virtual-hosted-style Host header names, or null for path style. */
    public String bucketFromHost(String host) {
        if (host == null) {
            return null;
        }
        String h = host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        for (String domain : domains) {
            if (h.length() > domain.length() + 1 && h.endsWith(domain) && h.charAt(h.length() - domain.length() - 1) == '.') {
                return h.substring(0, h.length() - domain.length() - 1);
            }
        }
        return null;
    }

    static CopySource copySource(String header) {
        String raw = header.trim();
        String versionId = null;
        int qm = raw.indexOf('?');
        if (qm >= 0) {
            Query q = Query.parse(raw.substring(qm + 1));
            versionId = q.get("versionId");
            raw = raw.substring(0, qm);
        }
        String decoded = UriCodec.decode(raw, false);
        if (decoded.startsWith("/")) {
            decoded = decoded.substring(1);
        }
        int slash = decoded.indexOf('/');
        if (slash <= 0 || slash == decoded.length() - 1) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid copy source object key")
                    .detail("ArgumentName", "x-amz-copy-source").detail("ArgumentValue", header);
        }
        String key = decoded.substring(slash + 1);
        checkKey(key);
        return new CopySource(decoded.substring(0, slash), key, versionId);
    }

    static void checkKey(String key) {
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new S3Exception(S3ErrorCode.KEY_TOO_LONG)
                    .detail("MaxSizeAllowed", String.valueOf(MAX_KEY_BYTES))
                    .detail("Size", String.valueOf(key.getBytes(StandardCharsets.UTF_8).length));
        }
    }

    private static int partNumber(Query q) {
        String v = q.get("partNumber");
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 10_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error S3 gives
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
                "Part number must be an integer between 1 and 10000, inclusive")
                .detail("ArgumentName", "partNumber").detail("ArgumentValue", v);
    }

    /** max-keys and its kin: 1000 when absent, at most 1000, an error when not a number >= 0. */
    private static int maxKeys(Query q, String name) {
        int n = nonNegative(q, name, 1000);
        return Math.min(n, 1000);
    }

    private static int nonNegative(Query q, String name, int absent) {
        String v = q.get(name);
        if (v == null) {
            return absent;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            if (v.trim().matches("[0-9]+")) {
                return Integer.MAX_VALUE;
            }
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Provided " + name + " not an integer or within integer range")
                .detail("ArgumentName", name).detail("ArgumentValue", v);
    }

    /** The largest page of the manifest extension: JSON, and fixed-size binary records (36 bytes each). */
    static final int MAX_MANIFEST_CHUNKS = 10_000;
    static final int MAX_BINARY_MANIFEST_CHUNKS = 65_536;

    /**
     * The manifest extension's page size: the format's largest when absent, at most that, at least 1.
     */
    private static int maxChunks(Query q, boolean binary) {
        String v = q.get("max-chunks");
        int max = binary ? MAX_BINARY_MANIFEST_CHUNKS : MAX_MANIFEST_CHUNKS;
        int n = nonNegative(q, "max-chunks", max);
        if (n == 0) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "max-chunks must be at least 1")
                    .detail("ArgumentName", "max-chunks").detail("ArgumentValue", v);
        }
        return Math.min(n, max);
    }

    /** {@code format=json} (the default) or {@code format=binary}; anything else is InvalidArgument. */
    private static boolean manifestFormat(Query q) {
        String v = q.get("format");
        if (v == null || v.equals("json")) {
            return false;
        }
        if (v.equals("binary")) {
            return true;
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "format must be json or binary")
                .detail("ArgumentName", "format").detail("ArgumentValue", v);
    }

    private static long nonNegativeLong(Query q, String name) {
        String v = q.get(name);
        if (v == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, name + " must be a non-negative integer")
                .detail("ArgumentName", name).detail("ArgumentValue", v);
    }

    private static boolean urlEncoding(Query q) {
        String v = q.get("encoding-type");
        if (v == null) {
            return false;
        }
        if (v.equalsIgnoreCase("url")) {
            return true;
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid Encoding Method specified in Request")
                .detail("ArgumentName", "encoding-type").detail("ArgumentValue", v);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static S3Exception methodNotAllowed() {
        return new S3Exception(S3ErrorCode.METHOD_NOT_ALLOWED);
    }

    /** The bucket a request addresses (path or virtual-hosted style), null when none: for CORS preflights. */
    public String bucketOf(String host, String rawPath) {
        return target(host, rawPath).bucket;
    }

        private record Target(String bucket, String key) {}
}
