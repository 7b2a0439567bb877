package io.imagegate.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The client side, identical for every server: the AWS SDK v2 sync client over the Apache HTTP
 * client, path-style, SigV4 with the SDK's defaults for a plain-HTTP endpoint, no client-side
 * checksums (the benchmark checks the bytes itself). One instance per server.
 */
final class S3Workload implements AutoCloseable {

    /** One timed full GET. */
    record Download(long bytes, long nanos, long crc32c) {}

    /** One timed batch of range GETs: wall time and each request's latency. */
    record RangeRun(int requests, long bytesPerRequest, long nanos, long[] latencyNanos, int mismatches) {}

    private final S3Client s3;
    private final java.util.Set<String> payloadModes = ConcurrentHashMap.newKeySet();

    S3Workload(URI endpoint, int connections) {
        this.s3 = ServerProcess.clientBuilder(endpoint, connections)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(Duration.ofMinutes(10))
                        .addExecutionInterceptor(new PayloadModeRecorder(payloadModes))
                        .build())
                .build();
    }

    /** How PUT bodies were signed (the x-amz-content-sha256 the SDK sent), for the report. */
    String putPayloadMode() {
        return String.join(",", new java.util.TreeSet<>(payloadModes));
    }

    void ping() {
        s3.listBuckets();
    }

    void createBucket(String bucket) {
        s3.createBucket(b -> b.bucket(bucket));
    }

    /** PUTs the whole file in one request; returns the elapsed nanoseconds. */
    long put(String bucket, String key, TestImage image) {
        long t0 = System.nanoTime();
        s3.putObject(b -> b.bucket(bucket).key(key).contentLength(image.size()).contentType("application/octet-stream"),
                RequestBody.fromFile(image.file()));
        return System.nanoTime() - t0;
    }

    void delete(String bucket, String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    /** GETs the whole object into a reused buffer, checking its length and CRC32C. */
    Download get(String bucket, String key) {
        byte[] buf = new byte[1 << 20];
        CRC32C crc = new CRC32C();
        long t0 = System.nanoTime();
        long total = 0;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            int n;
            while ((n = in.read(buf)) > 0) {
                crc.update(buf, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Download(total, System.nanoTime() - t0, crc.getValue());
    }

    /**
     * GETs {@code offsets.length} ranges of {@code length} bytes with {@code concurrency}
     * threads, each taking the next offset, and compares every answer with the file.
     */
    RangeRun ranges(String bucket, String key, TestImage image, long[] offsets, int length, int concurrency)
            throws InterruptedException {
        long[] latency = new long[offsets.length];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger mismatches = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try (FileChannel file = FileChannel.open(image.file(), StandardOpenOption.READ)) {
            List<Future<?>> workers = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    byte[] got = new byte[length];
                    ByteBuffer want = ByteBuffer.allocate(length);
                    int i;
                    while ((i = next.getAndIncrement()) < offsets.length) {
                        long off = offsets[i];
                        long start = System.nanoTime();
                        int n;
                        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key)
                                .range("bytes=" + off + "-" + (off + length - 1)))) {
                            n = in.readNBytes(got, 0, length);
                            if (in.read() != -1) {
                                n = -1;
                            }
                        }
                        latency[i] = System.nanoTime() - start;
                        want.clear();
                        while (want.hasRemaining() && file.read(want, off + want.position()) > 0) {
                            // positional reads of the source, from the page cache
                        }
                        if (n != length || !Arrays.equals(got, want.array())) {
                            mismatches.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
            return new RangeRun(offsets.length, length, System.nanoTime() - t0, latency, mismatches.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a range GET failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    /** Notes how each PutObject body was signed: the x-amz-content-sha256 value, or "signed" for a body hash. */
    private record PayloadModeRecorder(java.util.Set<String> modes) implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof software.amazon.awssdk.services.s3.model.PutObjectRequest) {
                context.httpRequest().firstMatchingHeader("x-amz-content-sha256").ifPresent(v ->
                        modes.add(v.startsWith("STREAMING") || v.equals("UNSIGNED-PAYLOAD") ? v : "SHA-256 of the body"));
            }
        }
    }
}
