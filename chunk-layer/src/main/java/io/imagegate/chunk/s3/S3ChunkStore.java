package io.imagegate.chunk.s3;

import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.PackId;
import io.imagegate.chunk.PackNotFoundException;
import io.imagegate.chunk.retry.RetryPolicy;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Packs as objects in any S3-compatible service, through the AWS SDK v2 sync client on pooled
 * Apache HTTP connections: {@code <prefix>packs/<last two hex digits>/<id>.pack}, the local
 * layout under a key prefix. A pack is buffered in memory while written and uploaded with one PUT,
 * or as a parallel multipart upload once it outgrows a part; sealing returns after the service
 * acknowledged, and only then is the pack visible. A read is one range GET of exactly the bytes
 * asked for. Every request is retried with backoff (see {@link RetryPolicy}); a backend that stays
 * down surfaces as {@link io.imagegate.chunk.BackendUnavailableException}. Thread-safe.
 * See docs/FORMAT-chunks.md for the layout.
 */
public final class S3ChunkStore implements ChunkStore {

    private static final Logger log = LoggerFactory.getLogger(S3ChunkStore.class);
    private static final String PACK_SUFFIX = ".pack";
    private static final String REDIRECT_SUFFIX = ".redirect";

    final S3Client s3;
    final S3StoreConfig config;
    final BackendCalls calls;
    final ExecutorService uploads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("s3-pack-upload-", 0).factory());
    final AtomicLong gets = new AtomicLong();
    final AtomicLong puts = new AtomicLong();
    final AtomicLong parts = new AtomicLong();
    final AtomicLong lists = new AtomicLong();
    final AtomicLong deletes = new AtomicLong();
    private final String packsPrefix;
    private final String redirectsPrefix;
    private volatile boolean closed;

    S3ChunkStore(S3Client s3, S3StoreConfig config) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.config = Objects.requireNonNull(config, "config");
        this.calls = new BackendCalls(config.retry(), config.uri());
        this.packsPrefix = config.prefix() + "packs/";
        this.redirectsPrefix = config.prefix() + "redirects/";
    }

    /**
     * Connects to the bucket {@code config} names and checks that it answers (HeadBucket, with
     * retries): a missing bucket or refused credentials fail here rather than on the first upload.
     */
    public static S3ChunkStore open(S3StoreConfig config) throws IOException {
        S3ChunkStore store = new S3ChunkStore(client(config), config);
        try {
            store.probe();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        log.info("s3 chunk store opened store={} endpoint={}", config.uri(), config.endpoint());
        return store;
    }

    /**
     * The SDK client {@code config} describes; retries are the store's own, so the SDK's are off.
     * The SDK deprecates its Apache 4 client in favour of Apache 5, which this project keeps out
     * for now (see the parent pom); the 4.x client is still maintained and does what is needed.
     */
    @SuppressWarnings("deprecation")
    static S3Client client(S3StoreConfig config) {
        Duration acquire = config.readTimeout().plus(config.connectTimeout());
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(config.credentials())
                .forcePathStyle(config.pathStyle())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(config.maxConnections())
                        .connectionTimeout(config.connectTimeout())
                        .socketTimeout(config.readTimeout())
                        .connectionAcquisitionTimeout(acquire.isZero() ? Duration.ofSeconds(30) : acquire)
                        .tcpKeepAlive(true))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .build());
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        return b.build();
    }

    /** Checks that the bucket answers; for readiness probes. */
    public void probe() throws IOException {
        ensureOpen();
        try {
            calls.call("HeadBucket", () -> s3.headBucket(r -> r.bucket(config.bucket())));
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchBucketException
                    || e.getCause() instanceof AwsServiceException a && a.statusCode() == 404) {
                throw new IOException("bucket " + config.bucket() + " does not exist", e.getCause());
            }
            throw e;
        }
    }

    public S3StoreConfig config() {
        return config;
    }

    /** The object key of a pack (whether or not it exists). */
    public String key(PackId id) {
        String hex = id.hex();
        return packsPrefix + hex.substring(30) + "/" + hex + PACK_SUFFIX;
    }

    @Override
    public PackOutput create(PackId id) throws IOException {
        ensureOpen();
        if (id.isZero()) {
            throw new IllegalArgumentException("the zero pack is never stored");
        }
        return new S3PackOutput(this, id, key(id));
    }

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        ensureOpen();
        Objects.requireNonNull(pack, "pack");
        if (pack.isZero()) {
            throw new IllegalArgumentException("the zero pack is never stored");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset: " + offset);
        }
        int n = dst.remaining();
        if (n == 0) {
            return;
        }
        String key = key(pack);
        int start = dst.position();
        calls.call("GetObject", () -> {
            dst.position(start); // a retry starts over: never keep part of a failed response
            readOnce(pack, key, offset, dst, n);
            return null;
        });
    }

    private void readOnce(PackId pack, String key, long offset, ByteBuffer dst, int n) throws IOException {
        gets.incrementAndGet();
        GetObjectRequest req = GetObjectRequest.builder().bucket(config.bucket()).key(key)
                .range("bytes=" + offset + "-" + (offset + n - 1)).build();
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = s3.getObject(req);
        } catch (NoSuchKeyException e) {
            throw new BackendCalls.Permanent(new PackNotFoundException(pack));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 416) {
                throw new BackendCalls.Permanent(new EOFException("pack " + pack + " ends before offset " + offset));
            }
            throw e;
        }
        boolean complete = false;
        try {
            GetObjectResponse r = in.response();
            String range = r.contentRange();
            long length = r.contentLength() == null ? -1 : r.contentLength();
            boolean whole = range == null && offset == 0 && length == n; // a 200 for a range covering it all
            if (!whole && (range == null || !range.startsWith("bytes " + offset + "-"))) {
                throw new BackendCalls.Permanent(new IOException("S3 answered range " + offset + "+" + n + " of "
                        + key + " with Content-Range " + range));
            }
            if (length >= 0 && length < n) {
                throw new BackendCalls.Permanent(new EOFException("pack " + pack + " ends before offset " + (offset + n)
                        + ": " + length + " of " + n + " bytes at " + offset));
            }
            readFully(in, dst, n, pack, offset);
            complete = length == n;
        } finally {
            if (complete) {
                in.close(); // the body is drained: the connection goes back to the pool
            } else {
                in.abort(); // never reuse a connection with unread bytes
            }
        }
    }

    private static void readFully(InputStream in, ByteBuffer dst, int n, PackId pack, long offset) throws IOException {
        int done = 0;
        if (dst.hasArray()) {
            byte[] a = dst.array();
            int base = dst.arrayOffset() + dst.position();
            while (done < n) {
                int k = in.read(a, base + done, n - done);
                if (k < 0) {
                    break;
                }
                done += k;
            }
            dst.position(dst.position() + done);
        } else {
            byte[] tmp = new byte[Math.min(n, 64 * 1024)];
            while (done < n) {
                int k = in.read(tmp, 0, Math.min(tmp.length, n - done));
                if (k < 0) {
                    break;
                }
                dst.put(tmp, 0, k);
                done += k;
            }
        }
        if (done < n) {
            // the connection broke off: retryable, and dst is reset before the next attempt
            throw new IOException("response for pack " + pack + " at " + offset + " ended after " + done + " of "
                    + n + " bytes");
        }
    }

    /**
     * Lists with ListObjectsV2, one page per request: the first page is fetched now, the others as
     * the stream advances (a failure there is an UncheckedIOException). Keys that are not exactly
     * a pack name in its fan-out prefix are ignored.
     */
    @Override
    public Stream<PackInfo> list() throws IOException {
        ensureOpen();
        Pages pages = new Pages(listPage(packsPrefix, null), packsPrefix);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL),
                false).flatMap(page -> page.contents().stream().map(this::packInfo).filter(Objects::nonNull));
    }

    private ListObjectsV2Response listPage(String prefix, String token) throws IOException {
        ensureOpen();
        return calls.call("ListObjectsV2", () -> {
            lists.incrementAndGet();
            return s3.listObjectsV2(ListObjectsV2Request.builder().bucket(config.bucket()).prefix(prefix)
                    .maxKeys(config.listPageSize()).continuationToken(token).build());
        });
    }

    /** Pages of a listing, fetched one at a time. */
    private final class Pages implements Iterator<ListObjectsV2Response> {
        private final String prefix;
        private ListObjectsV2Response next;

        Pages(ListObjectsV2Response first, String prefix) {
            this.next = first;
            this.prefix = prefix;
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public ListObjectsV2Response next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            ListObjectsV2Response page = next;
            String token = page.nextContinuationToken();
            if (Boolean.TRUE.equals(page.isTruncated()) && token != null) {
                try {
                    next = listPage(prefix, token);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                next = null;
            }
            return page;
        }
    }

    private PackInfo packInfo(S3Object o) {
        PackId id = named(o.key(), packsPrefix, PACK_SUFFIX);
        return id == null || o.size() == null ? null : new PackInfo(id, o.size());
    }

    /** The pack id of a key {@code <prefix>xx/<32 hex><suffix>} (xx = the id's last two digits), else null. */
    private static PackId named(String key, String prefix, String suffix) {
        if (!key.startsWith(prefix)) {
            return null;
        }
        String rest = key.substring(prefix.length());
        if (rest.length() != 3 + 32 + suffix.length() || rest.charAt(2) != '/' || !rest.endsWith(suffix)) {
            return null;
        }
        String hex = rest.substring(3, 35);
        if (!rest.startsWith(hex.substring(30)) || !isLowerHex(hex)) {
            return null;
        }
        return PackId.parse(hex);
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!HexFormat.isHexDigit(c) || Character.isUpperCase(c)) {
                return false;
            }
        }
        return true;
    }

    /** DeleteObject; S3 answers a delete of a missing key with success, and so does this. */
    @Override
    public void delete(PackId pack) throws IOException {
        ensureOpen();
        String key = key(pack);
        calls.call("DeleteObject", () -> {
            deletes.incrementAndGet();
            try {
                s3.deleteObject(r -> r.bucket(config.bucket()).key(key));
            } catch (NoSuchKeyException e) {
                // some services say so; it is gone either way
            }
            return null;
        });
    }

    /** The object key of a pack's redirect record (whether or not it exists). */
    public String redirectKey(PackId id) {
        String hex = id.hex();
        return redirectsPrefix + hex.substring(30) + "/" + hex + REDIRECT_SUFFIX;
    }

    @Override
    public Optional<byte[]> readRedirect(PackId pack) throws IOException {
        ensureOpen();
        String key = redirectKey(pack);
        return calls.call("GetObject", () -> {
            gets.incrementAndGet();
            try {
                return Optional.of(s3.getObjectAsBytes(r -> r.bucket(config.bucket()).key(key)).asByteArray());
            } catch (NoSuchKeyException e) {
                return Optional.<byte[]>empty();
            }
        });
    }

    /** One PutObject; S3 makes the record visible to every reader once it is acknowledged. */
    @Override
    public void writeRedirect(PackId pack, byte[] record) throws IOException {
        ensureOpen();
        String key = redirectKey(pack);
        calls.call("PutObject", () -> {
            puts.incrementAndGet();
            return s3.putObject(r -> r.bucket(config.bucket()).key(key).contentLength((long) record.length)
                    .contentType("application/octet-stream"), RequestBody.fromBytes(record));
        });
    }

    @Override
    public void deleteRedirect(PackId pack) throws IOException {
        ensureOpen();
        String key = redirectKey(pack);
        calls.call("DeleteObject", () -> {
            deletes.incrementAndGet();
            try {
                s3.deleteObject(r -> r.bucket(config.bucket()).key(key));
            } catch (NoSuchKeyException e) {
                // gone either way
            }
            return null;
        });
    }

    /** Lists {@code <prefix>redirects/} page by page, like {@link #list()}. */
    @Override
    public Stream<PackId> listRedirects() throws IOException {
        ensureOpen();
        Pages pages = new Pages(listPage(redirectsPrefix, null), redirectsPrefix);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL),
                false).flatMap(page -> page.contents().stream().map(o -> named(o.key(), redirectsPrefix, REDIRECT_SUFFIX))
                        .filter(Objects::nonNull));
    }

    /** Requests sent so far (every attempt counts), for tests and metrics. */
    public Requests requests() {
        return new Requests(gets.get(), puts.get(), parts.get(), lists.get(), deletes.get(), calls.attempts.get(),
                calls.retries.get(), calls.exhausted.get());
    }

    /**
     * Counts of S3 requests: GETs, single PUTs, uploaded parts, list pages, deletes; all attempts
     * of all operations, how many of them were retries, and how many operations gave up.
     */
    public record Requests(long gets, long puts, long parts, long lists, long deletes, long attempts, long retries,
            long gaveUp) {}

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        uploads.shutdown();
        s3.close();
    }

    void ensureOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }
}
