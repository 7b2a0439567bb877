package io.imagegate.gateway;

import io.imagegate.chunk.BackendUnavailableException;
import io.imagegate.chunk.CorruptChunkException;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.api.S3Request.*;
import io.imagegate.gateway.http.Authenticator;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.Checkpoints;
import io.imagegate.gateway.http.ClientBodyException;
import io.imagegate.gateway.http.ClientGoneException;
import io.imagegate.gateway.http.ErrorResponses;
import io.imagegate.gateway.http.HttpDates;
import io.imagegate.gateway.http.MemoryBudget;
import io.imagegate.gateway.http.RequestCancelledException;
import io.imagegate.gateway.ops.AccessControl;
import io.imagegate.gateway.ops.Acls;
import io.imagegate.gateway.ops.BucketCors;
import io.imagegate.gateway.ops.BucketPolicies;
import io.imagegate.gateway.ops.Buckets;
import io.imagegate.gateway.policy.PolicyLookup;
import io.imagegate.gateway.ops.Deletes;
import io.imagegate.gateway.ops.Errors;
import io.imagegate.gateway.ops.ImageExtensions;
import io.imagegate.gateway.ops.BucketLifecycle;
import io.imagegate.gateway.ops.Listing;
import io.imagegate.gateway.ops.Multipart;
import io.imagegate.gateway.ops.ObjectReads;
import io.imagegate.gateway.ops.ObjectWrites;
import io.imagegate.gateway.ops.StorageReportOp;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.io.IOException;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 endpoint: moves each request onto a virtual thread, authenticates it, parses it into
 * one {@link S3Request}, checks access, dispatches it to its family of operations, and turns
 * every failure into the S3 error AWS would send.
 */
public final class S3Handler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(S3Handler.class);
    private static final Logger access = LoggerFactory.getLogger("imagegate.access");

    /** S3 limits the request header section to 8 KiB. */
    static final int MAX_HEADER_BYTES = 8 * 1024;
    /**
     * What the access log and the request metrics say of a request whose client hung up before its
     * answer was delivered (nginx's "client closed request"); S3 has no code for it, since no answer
     * reaches anyone.
     */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private final Stores stores;
    private final ExecutorService executor;
    private final Authenticator authenticator;
    private final RequestParser parser;
    private final ErrorResponses errors;
    private final Buckets buckets;
    private final Acls acls;
    private final ObjectReads reads;
    private final ObjectWrites writes;
    private final Deletes deletes;
    private final Listing listing;
    private final Multipart multipart;
    private final ImageExtensions images;
    private final StorageReportOp storageReport;
    private final BucketLifecycle lifecycle;
    private final BucketCors cors;
    private final BucketPolicies bucketPolicies;
    private final PolicyLookup policies;

    private final GatewayMetrics metrics;
    private final ManagementEndpoints management;
    /** What requests may hold of the heap for what they parse from their bodies. */
    private final MemoryBudget requestMemory;
    private final Checkpoints checkpoints;

    public S3Handler(Stores stores, Authenticator authenticator, ExecutorService executor, String hostId,
                     GatewayMetrics metrics, ManagementEndpoints management) {
        this(stores, authenticator, executor, hostId, metrics, management, Checkpoints.NONE);
    }

    /** @param checkpoints told of each checkpoint a request reaches: {@link Checkpoints#NONE} but in tests */
    public S3Handler(Stores stores, Authenticator authenticator, ExecutorService executor, String hostId,
                     GatewayMetrics metrics, ManagementEndpoints management, Checkpoints checkpoints) {
        this.checkpoints = checkpoints;
        this.stores = stores;
        this.metrics = metrics;
        this.management = management;
        this.executor = executor;
        this.authenticator = authenticator;
        this.parser = new RequestParser(stores.config().domains());
        this.errors = new ErrorResponses(hostId);
        this.buckets = new Buckets(stores);
        this.acls = new Acls(stores);
        this.reads = new ObjectReads(stores);
        this.writes = new ObjectWrites(stores);
        this.deletes = new Deletes(stores);
        this.listing = new Listing(stores);
        this.multipart = new Multipart(stores);
        this.requestMemory = MemoryBudget.of(stores.config().requestMemoryBytes());
        metrics.gauge("imagegate.request.memory.held.bytes", "heap requests hold for what they parse from their "
                + "bodies (limit: " + requestMemory.limit() + " bytes)", requestMemory, MemoryBudget::held);
        this.images = new ImageExtensions(stores);
        this.storageReport = new StorageReportOp(stores);
        this.lifecycle = new BucketLifecycle(stores);
        this.cors = new BucketCors(stores);
        this.bucketPolicies = new BucketPolicies(stores);
        this.policies = new PolicyLookup(stores.meta());
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(executor, this);
            return;
        }
        exchange.startBlocking();
        // our own Date, not Undertow's: Undertow keeps one formatted date for the whole JVM and
        // renews it by a timer on the I/O thread of the request that made it; when that thread's
        // server stops first, every server in the JVM answers that date for ever, and SDK clients,
        // which take a 403 with a Date minutes away for clock skew, re-time their signatures by it
        exchange.getResponseHeaders().put(Headers.DATE, HttpDates.rfc1123(stores.clock().instant()));
        if (ManagementEndpoints.handles(exchange)) {
            management.handle(exchange);
            return;
        }
        long started = System.nanoTime();
        Call call = new Call(exchange, newRequestId(), stores.clock().instant(), requestMemory, checkpoints);
        boolean clientGone = false;
        call.respondHeader("x-amz-request-id", call.requestId());
        call.respondHeader("x-amz-id-2", errors.hostId());
        call.respondHeader("Server", "imagegate");
        S3Request op = null;
        try {
            checkHeaderSize(exchange);
            requireTls(exchange);
            if (call.method().equals("OPTIONS")) {
                // a CORS preflight: anonymous in S3 (browsers send no credentials with it)
                cors.preflight(call, parser.bucketOf(call.header("Host"), call.rawPath()));
                return;
            }
            authenticator.authenticate(call);
            call.policies(policies.forCaller(call.principal().anonymous() ? null : call.principal().id()));
            if (ManagementEndpoints.isMetrics(exchange) && parser.bucketFromHost(call.header("Host")) == null) {
                // a signed scrape: every series for an administrator, nothing for anyone else
                if (!call.principal().admin()) {
                    throw new S3Exception(S3ErrorCode.ACCESS_DENIED);
                }
                management.metricsFor(exchange, true);
                return;
            }
            op = parser.parse(call.method(), call.header("Host"), call.rawPath(), call.query(), call::header);
            route(call, op);
        } catch (S3Exception e) {
            fail(call, op, e);
        } catch (MetadataException e) {
            fail(call, op, Errors.toS3(e, call.method()));
        } catch (ClientBodyException e) {
            fail(call, op, e.error());
        } catch (ClientGoneException | RequestCancelledException e) {
            // nobody to answer: whatever was not published is not, and what was published stands
            log.debug("request={} op={} client went away: {}", call.requestId(), name(op), e.getMessage());
            clientGone = true;
            call.stopWatching();
            errors.abandon(call);
        } catch (CorruptChunkException e) {
            log.error("request={} op={} stored data failed verification: {}", call.requestId(), name(op), e.toString());
            fail(call, op, new S3Exception(S3ErrorCode.INTERNAL_ERROR,
                    "Stored data failed its integrity check and was not served."));
        } catch (BackendUnavailableException e) {
            log.warn("request={} op={} chunk store unavailable: {}", call.requestId(), name(op), e.toString());
            fail(call, op, new S3Exception(S3ErrorCode.SERVICE_UNAVAILABLE,
                    "The chunk store is unavailable; nothing was changed. Please retry.", e)
                    .header("Retry-After", String.valueOf(e.retryAfterSeconds())));
        } catch (IOException e) {
            log.warn("request={} op={} storage failure: {}", call.requestId(), name(op), e.toString());
            fail(call, op, new S3Exception(S3ErrorCode.SERVICE_UNAVAILABLE,
                    "The storage backend failed; nothing was changed. Please retry.", e).header("Retry-After", "1"));
        } catch (RuntimeException e) {
            log.error("request={} op={} internal error", call.requestId(), name(op), e);
            fail(call, op, new S3Exception(S3ErrorCode.INTERNAL_ERROR));
        } catch (OutOfMemoryError e) {
            // whatever held the memory is garbage now that the operation unwound; the client may retry
            log.error("request={} op={} ran out of memory: {}", call.requestId(), name(op), e.toString());
            fail(call, op, new S3Exception(S3ErrorCode.SLOW_DOWN).header("Retry-After", "1"));
        } catch (Error e) {
            log.error("request={} op={} internal error", call.requestId(), name(op), e);
            fail(call, op, new S3Exception(S3ErrorCode.INTERNAL_ERROR));
        } finally {
            call.stopWatching();
            call.releaseMemory();
            exchange.endExchange();
            int status = clientGone ? CLIENT_CLOSED_REQUEST : exchange.getStatusCode();
            if (clientGone) {
                metrics.cancelled(name(op));
            }
            metrics.request(name(op), status, System.nanoTime() - started, call.bodyBytesRead(),
                    exchange.getResponseBytesSent());
            access.info("request={} method={} path={} op={} status={} principal={}", call.requestId(),
                    call.method(), call.rawPath(), name(op), status, call.principal().name());
        }
    }

    private void route(Call call, S3Request op) throws IOException {
        switch (op) {
            case ListBuckets r -> {
                AccessControl.checkOperation(call, op, null);
                buckets.listBuckets(call, r);
            }
            case CreateBucket r -> {
                AccessControl.checkOperation(call, op, null);
                buckets.create(call, r);
            }
            case GetStorageReport r -> {
                AccessControl.checkOperation(call, op, null);
                storageReport.report(call, r);
            }
            default -> {
                BucketRecord bucket = buckets.require(op.bucket());
                AccessControl.checkExpectedOwner(call.header("x-amz-expected-bucket-owner"), bucket);
                AccessControl.checkOperation(call, op, bucket);
                cors.actualRequest(call, bucket); // only headers: CORS never grants access
                inBucket(call, op, bucket);
            }
        }
    }

    private void inBucket(Call call, S3Request op, BucketRecord bucket) throws IOException {
        switch (op) {
            case ListBuckets r -> throw new IllegalStateException("routed before the bucket");
            case CreateBucket r -> throw new IllegalStateException("routed before the bucket");
            case GetStorageReport r -> throw new IllegalStateException("routed before the bucket");
            case HeadBucket r -> buckets.head(call, bucket);
            case DeleteBucket r -> buckets.delete(call, bucket);
            case GetBucketLocation r -> buckets.location(call, bucket);
            case GetBucketVersioning r -> buckets.getVersioning(call, bucket);
            case PutBucketVersioning r -> buckets.putVersioning(call, bucket);
            case GetBucketAcl r -> acls.getBucketAcl(call, bucket);
            case PutBucketAcl r -> acls.putBucketAcl(call, bucket);
            case PutBucketLifecycleConfiguration r -> lifecycle.put(call, bucket);
            case GetBucketLifecycleConfiguration r -> lifecycle.get(call, bucket);
            case DeleteBucketLifecycle r -> lifecycle.delete(call, bucket);
            case PutBucketCors r -> cors.put(call, bucket);
            case GetBucketCors r -> cors.get(call, bucket);
            case DeleteBucketCors r -> cors.delete(call, bucket);
            case GetBucketPolicy r -> bucketPolicies.get(call, bucket);
            case PutBucketPolicy r -> bucketPolicies.put(call, bucket);
            case DeleteBucketPolicy r -> bucketPolicies.delete(call, bucket);
            case ListObjects r -> listing.listObjects(call, r, bucket);
            case ListObjectVersions r -> listing.listVersions(call, r, bucket);
            case ListMultipartUploads r -> multipart.listUploads(call, r, bucket);
            case DeleteObjects r -> deletes.deleteObjects(call, bucket);
            case GetObject r -> reads.get(call, r, bucket);
            case PutObject r -> writes.put(call, r, bucket);
            case CopyObject r -> writes.copy(call, r, bucket);
            case DeleteObject r -> deletes.deleteObject(call, r, bucket);
            case GetObjectAcl r -> acls.getObjectAcl(call, bucket, r);
            case PutObjectAcl r -> acls.putObjectAcl(call, bucket, r);
            case CreateMultipartUpload r -> multipart.create(call, r, bucket);
            case UploadPart r -> multipart.uploadPart(call, r, bucket);
            case UploadPartCopy r -> multipart.uploadPartCopy(call, r, bucket);
            case CompleteMultipartUpload r -> multipart.complete(call, r, bucket);
            case AbortMultipartUpload r -> multipart.abort(call, r, bucket);
            case ListParts r -> multipart.listParts(call, r, bucket);
            case GetManifest r -> images.manifest(call, r, bucket);
            case MissingChunks r -> images.missingChunks(call, r, bucket);
            case CommitVersion r -> images.commit(call, r, bucket);
        }
    }

    private void fail(Call call, S3Request op, S3Exception e) {
        if (e.code().status() >= 500) {
            log.warn("request={} op={} answered {}: {}", call.requestId(), name(op), e.code().code(), e.getMessage());
        }
        try {
            errors.send(call, e, op == null ? null : op.bucket(), keyOf(op));
        } catch (RuntimeException | Error sendFailed) {
            // the answer cannot be sent (the client left, or the response broke): drop the connection
            log.debug("request={} op={} could not send {}: {}", call.requestId(), name(op), e.code().code(),
                    sendFailed.toString());
            errors.abandon(call);
        }
    }

    /** With {@code --tls-only}, S3 is served over HTTPS only; plain HTTP keeps the health and metrics endpoints. */
    private void requireTls(HttpServerExchange exchange) {
        if (stores.config().https().tlsOnly() && exchange.getConnection().getSslSessionInfo() == null) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "This gateway serves S3 over HTTPS only.");
        }
    }

    private static void checkHeaderSize(HttpServerExchange exchange) {
        int total = 0;
        for (HeaderValues values : exchange.getRequestHeaders()) {
            for (String v : values) {
                total += values.getHeaderName().length() + v.length() + 4;
            }
        }
        if (total > MAX_HEADER_BYTES) {
            throw new S3Exception(S3ErrorCode.REQUEST_HEADER_SECTION_TOO_LARGE)
                    .detail("MaxSizeAllowed", String.valueOf(MAX_HEADER_BYTES));
        }
    }

    private static String keyOf(S3Request op) {
        return op instanceof S3Request.ObjectRequest o ? o.key() : null;
    }

    private static String name(S3Request op) {
        return op == null ? "-" : op.getClass().getSimpleName();
    }

    /** 16 upper-case hex digits, as S3's request ids look. */
    private static String newRequestId() {
        return HexFormat.of().withUpperCase().formatHex(
                java.nio.ByteBuffer.allocate(8).putLong(ThreadLocalRandom.current().nextLong()).array());
    }
}
