package io.imagegate.s3compat.history;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.DeletedObject;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;

/**
 * One gateway as the history's clients see it: the AWS SDK v2 over real sockets, with SDK retries
 * off (one operation is one request, so an unknown outcome is one possible effect), each write's
 * tag sent as user metadata so a read names the write it returns. Every {@link Request} becomes a
 * {@link Response}; failures are answers too: 4xx {@link Response.Rejected}, 5xx and no answer
 * {@link Response.Unknown}.
 */
public final class GatewayClient implements AutoCloseable {

    /** The user metadata that carries a write's tag ({@code x-amz-meta-history-tag}). */
    public static final String TAG = "history-tag";
    /** Error codes of a DeleteObjects entry that say nothing about whether it happened. */
    private static final List<String> UNSETTLED = List.of("InternalError", "ServiceUnavailable", "SlowDown");

    private static final ThreadLocal<byte[]> LAST_VERSION_LISTING = new ThreadLocal<>();

    private final S3Client s3;

    public GatewayClient(S3Client s3) {
        this.s3 = s3;
    }

    /**
     * A client for one gateway: path-style, SigV4 with these keys, no retries, checksums only where
     * S3 requires them, and {@code timeout} for a whole call (its end is an unknown outcome).
     */
    @SuppressWarnings("deprecation") // the Apache 4 client, the one DEPENDENCIES.md names
    public static GatewayClient connect(URI endpoint, String accessKey, String secretKey, Duration timeout,
                                        int connections) {
        return new GatewayClient(S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(connections)
                        .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(timeout))
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())
                        .apiCallTimeout(timeout)
                        .addExecutionInterceptor(new VersionListingCapture()))
                .build());
    }

    /** The SDK client, for set-up (buckets, versioning) outside the history. */
    public S3Client s3() {
        return s3;
    }

    public Response execute(Request request) {
        try {
            return switch (request) {
                case Request.Put p -> put(p);
                case Request.Copy c -> copy(c);
                case Request.Multipart m -> multipart(m);
                case Request.Delete d -> {
                    var r = s3.deleteObject(b -> b.bucket(d.bucket()).key(d.key()).versionId(d.versionId()));
                    yield new Response.Deleted(r.versionId(), Boolean.TRUE.equals(r.deleteMarker()));
                }
                case Request.DeleteBatch b -> deleteBatch(b);
                case Request.Get g -> get(g);
                case Request.ListVersions l -> listVersions(l);
                case Request.ListObjects l -> listObjects(l);
            };
        } catch (AwsServiceException e) {
            return failure(request, e);
        } catch (SdkException | UncheckedIOException e) {
            return new Response.Unknown(0, e.getClass().getSimpleName());
        }
    }

    private Response put(Request.Put p) {
        var r = s3.putObject(b -> {
            b.bucket(p.bucket()).key(p.key()).metadata(Map.of(TAG, p.body().tag()));
            if (p.ifNoneMatch()) {
                b.ifNoneMatch("*");
            }
            if (p.ifMatch() != null) {
                b.ifMatch(p.ifMatch());
            }
        }, RequestBody.fromBytes(p.body().bytes()));
        return new Response.Written(r.versionId(), r.eTag(), null);
    }

    private Response copy(Request.Copy c) {
        var r = s3.copyObject(b -> b.sourceBucket(c.sourceBucket()).sourceKey(c.sourceKey())
                .sourceVersionId(c.sourceVersionId()).destinationBucket(c.bucket()).destinationKey(c.key())
                .metadataDirective(MetadataDirective.REPLACE).metadata(Map.of(TAG, c.tag())));
        return new Response.Written(r.versionId(), r.copyObjectResult().eTag(), r.copySourceVersionId());
    }

    /** Create, one part, complete. Only the complete can publish: a failure before it changed nothing visible. */
    private Response multipart(Request.Multipart m) {
        String uploadId;
        String etag;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(m.bucket()).key(m.key())
                    .metadata(Map.of(TAG, m.body().tag()))).uploadId();
            etag = s3.uploadPart(b -> b.bucket(m.bucket()).key(m.key()).uploadId(uploadId).partNumber(1),
                    RequestBody.fromBytes(m.body().bytes())).eTag();
        } catch (AwsServiceException e) {
            return new Response.Rejected(e.statusCode(), "before completion: " + code(e));
        } catch (SdkException e) {
            return new Response.Rejected(0, "before completion: " + e.getClass().getSimpleName());
        }
        var r = s3.completeMultipartUpload(b -> b.bucket(m.bucket()).key(m.key()).uploadId(uploadId)
                .multipartUpload(u -> u.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
        return new Response.Written(r.versionId(), r.eTag(), null);
    }

    private Response deleteBatch(Request.DeleteBatch d) {
        List<ObjectIdentifier> ids = d.targets().stream()
                .map(t -> ObjectIdentifier.builder().key(t.key()).versionId(t.versionId()).build()).toList();
        DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(d.bucket()).delete(x -> x.objects(ids).quiet(false)));
        List<Response.Entry> entries = new ArrayList<>();
        for (Request.Target t : d.targets()) {
            entries.add(entry(r, t));
        }
        return new Response.BatchDeleted(entries);
    }

    private static Response.Entry entry(DeleteObjectsResponse r, Request.Target t) {
        for (DeletedObject o : r.deleted()) {
            if (o.key().equals(t.key()) && java.util.Objects.equals(o.versionId(), t.versionId())) {
                boolean marker = Boolean.TRUE.equals(o.deleteMarker());
                return new Response.Entry(t.key(), t.versionId(), Response.Outcome.DELETED, marker,
                        marker ? o.deleteMarkerVersionId() : null, null);
            }
        }
        for (S3Error e : r.errors()) {
            if (e.key().equals(t.key()) && java.util.Objects.equals(e.versionId(), t.versionId())) {
                Response.Outcome outcome = UNSETTLED.contains(e.code()) ? Response.Outcome.UNKNOWN : Response.Outcome.REFUSED;
                return new Response.Entry(t.key(), t.versionId(), outcome, false, null, e.code());
            }
        }
        return new Response.Entry(t.key(), t.versionId(), Response.Outcome.UNKNOWN, false, null, "not in the answer");
    }

    private Response get(Request.Get g) {
        if (g.head()) {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(g.bucket()).key(g.key()).versionId(g.versionId()));
            return new Response.Found(r.versionId(), r.eTag(), null, r.metadata().get(TAG), r.contentLength());
        }
        var bytes = s3.getObjectAsBytes(b -> b.bucket(g.bucket()).key(g.key()).versionId(g.versionId()));
        GetObjectResponse r = bytes.response();
        byte[] data = bytes.asByteArray();
        return new Response.Found(r.versionId(), r.eTag(), Body.sha256(data), r.metadata().get(TAG), data.length);
    }

    private Response listVersions(Request.ListVersions l) {
        List<Response.VersionPage> pages = new ArrayList<>();
        String keyMarker = null;
        String versionMarker = null;
        do {
            ListObjectVersionsRequest.Builder b = ListObjectVersionsRequest.builder().bucket(l.bucket()).prefix(l.prefix())
                    .maxKeys(l.maxKeys()).keyMarker(keyMarker).versionIdMarker(versionMarker);
            LAST_VERSION_LISTING.remove();
            s3.listObjectVersions(b.build());
            Response.VersionPage page = parseVersionPage(LAST_VERSION_LISTING.get());
            pages.add(page);
            keyMarker = page.nextKeyMarker();
            versionMarker = page.nextVersionIdMarker();
        } while (pages.getLast().truncated() && keyMarker != null && pages.size() < 100_000);
        return new Response.VersionListing(pages);
    }

    private Response listObjects(Request.ListObjects l) {
        List<Response.ObjectPage> pages = new ArrayList<>();
        String token = null;
        do {
            String from = token;
            ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(l.bucket()).prefix(l.prefix()).maxKeys(l.maxKeys())
                    .continuationToken(from));
            pages.add(new Response.ObjectPage(r.contents().stream()
                    .map(o -> new Response.ListedObject(o.key(), o.eTag())).toList(),
                    Boolean.TRUE.equals(r.isTruncated()), r.nextContinuationToken()));
            token = r.nextContinuationToken();
        } while (pages.getLast().truncated() && token != null && pages.size() < 100_000);
        return new Response.ObjectListing(pages);
    }

    private static Response failure(Request request, AwsServiceException e) {
        int status = e.statusCode();
        if (status >= 500) {
            return new Response.Unknown(status, code(e));
        }
        if (request instanceof Request.Get && (status == 404 || status == 405)) {
            SdkHttpResponse http = e.awsErrorDetails() != null ? e.awsErrorDetails().sdkHttpResponse() : null;
            Optional<String> versionId = http == null ? Optional.empty() : http.firstMatchingHeader("x-amz-version-id");
            boolean marker = http != null && http.firstMatchingHeader("x-amz-delete-marker").map("true"::equals).orElse(false);
            return new Response.Missing(status, code(e), versionId.orElse(null), marker);
        }
        return new Response.Rejected(status, code(e));
    }

    private static String code(AwsServiceException e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null ? e.awsErrorDetails().errorCode()
                : String.valueOf(e.statusCode());
    }

    /** ListObjectVersions interleaves versions and delete markers; the SDK splits them, so the page is read from the XML. */
    static Response.VersionPage parseVersionPage(byte[] xml) {
        if (xml == null) {
            throw new IllegalStateException("the ListObjectVersions answer was not captured");
        }
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
            Element root = doc.getDocumentElement();
            List<Response.ListedVersion> entries = new ArrayList<>();
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && (name(e).equals("Version") || name(e).equals("DeleteMarker"))) {
                    boolean marker = name(e).equals("DeleteMarker");
                    entries.add(new Response.ListedVersion(text(e, "Key"), text(e, "VersionId"),
                            marker ? null : text(e, "ETag"), "true".equals(text(e, "IsLatest")), marker));
                }
            }
            return new Response.VersionPage(entries, "true".equals(text(root, "IsTruncated")),
                    text(root, "NextKeyMarker"), text(root, "NextVersionIdMarker"));
        } catch (Exception e) {
            throw new IllegalStateException("unreadable ListObjectVersions answer", e);
        }
    }

    private static String name(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }

    private static String text(Element parent, String child) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name(e).equals(child)) {
                return e.getTextContent();
            }
        }
        return null;
    }

    @Override
    public void close() {
        s3.close();
    }

    /** Keeps the body of this thread's last ListObjectVersions answer (the SDK reads it from a copy). */
    private static final class VersionListingCapture implements ExecutionInterceptor {
        @Override
        public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                               ExecutionAttributes attributes) {
            SdkRequest request = context.request();
            if (!(request instanceof ListObjectVersionsRequest) || context.responseBody().isEmpty()) {
                return context.responseBody();
            }
            try (InputStream in = context.responseBody().get()) {
                byte[] body = in.readAllBytes();
                LAST_VERSION_LISTING.set(body);
                return Optional.of(new ByteArrayInputStream(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
