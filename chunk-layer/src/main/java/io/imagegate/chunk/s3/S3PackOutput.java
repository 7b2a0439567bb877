package io.imagegate.chunk.s3;

import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.PackId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/**
 * One pack being written to S3. Bytes are buffered in memory; a pack that stays within one part is
 * uploaded with a single PUT when sealed. Once it outgrows a part, a multipart upload starts and
 * each full part is uploaded in the background (at most {@code uploadParallelism} at once; writes
 * wait for a slot), so uploading overlaps writing; sealing uploads the last part and completes the
 * upload. Nothing is visible before seal returns. Abort (or a failed seal) aborts the multipart
 * upload so the service drops the parts. One thread at a time.
 */
final class S3PackOutput implements ChunkStore.PackOutput {

    private static final Logger log = LoggerFactory.getLogger(S3PackOutput.class);
    private static final int FIRST_BUFFER = 64 * 1024;

    private final S3ChunkStore store;
    private final PackId id;
    private final String key;
    private final int partSize;
    private final Semaphore slots;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private byte[] buf;
    private int len;
    private long position;
    private String uploadId;
    private boolean sealed;
    private boolean aborted;

    S3PackOutput(S3ChunkStore store, PackId id, String key) {
        this.store = store;
        this.id = id;
        this.key = key;
        this.partSize = store.config.partSize();
        this.slots = new Semaphore(store.config.uploadParallelism());
        this.buf = new byte[Math.min(FIRST_BUFFER, partSize)];
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        ensureWritable();
        while (src.hasRemaining()) {
            if (len == partSize) {
                submitPart();
            }
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(partSize, 2L * buf.length));
            }
            int k = Math.min(src.remaining(), buf.length - len);
            src.get(buf, len, k);
            len += k;
            position += k;
        }
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void seal() throws IOException {
        ensureWritable();
        store.ensureOpen();
        try {
            if (uploadId == null) {
                putWhole();
            } else {
                if (len > 0) {
                    submitPart();
                }
                complete(awaitParts());
            }
            sealed = true;
            buf = null;
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    private void putWhole() throws IOException {
        byte[] data = buf;
        int n = len;
        store.calls.call("PutObject", () -> {
            store.puts.incrementAndGet();
            return store.s3.putObject(r -> r.bucket(store.config.bucket()).key(key).contentLength((long) n)
                    .contentType("application/octet-stream"), body(data, n));
        });
    }

    /** Hands the full buffer to a background upload and starts a fresh one. */
    private void submitPart() throws IOException {
        if (uploadId == null) {
            uploadId = store.calls.call("CreateMultipartUpload", () -> store.s3.createMultipartUpload(r -> r
                    .bucket(store.config.bucket()).key(key).contentType("application/octet-stream")).uploadId());
        }
        failFast();
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a part upload slot");
        }
        int partNumber = parts.size() + 1;
        byte[] data = buf;
        int n = len;
        String upload = uploadId;
        try {
            parts.add(store.uploads.submit(() -> {
                try {
                    return uploadPart(upload, partNumber, data, n);
                } finally {
                    slots.release();
                }
            }));
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        buf = new byte[partSize];
        len = 0;
    }

    private CompletedPart uploadPart(String upload, int partNumber, byte[] data, int n) throws IOException {
        String etag = store.calls.call("UploadPart", () -> {
            store.parts.incrementAndGet();
            return store.s3.uploadPart(r -> r.bucket(store.config.bucket()).key(key).uploadId(upload)
                    .partNumber(partNumber).contentLength((long) n), body(data, n)).eTag();
        });
        return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
    }

    /** Throws the first failure of a part already finished, so a broken upload stops early. */
    private void failFast() throws IOException {
        for (Future<CompletedPart> f : parts) {
            if (f.isDone()) {
                result(f);
            }
        }
    }

    private List<CompletedPart> awaitParts() throws IOException {
        List<CompletedPart> done = new ArrayList<>(parts.size());
        for (Future<CompletedPart> f : parts) {
            done.add(result(f));
        }
        return done;
    }

    private static CompletedPart result(Future<CompletedPart> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for part uploads");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        }
    }

    private void complete(List<CompletedPart> done) throws IOException {
        boolean[] tried = {false};
        store.calls.call("CompleteMultipartUpload", () -> {
            try {
                return store.s3.completeMultipartUpload(r -> r.bucket(store.config.bucket()).key(key)
                        .uploadId(uploadId).multipartUpload(m -> m.parts(done)));
            } catch (NoSuchUploadException e) {
                if (tried[0] && isComplete()) {
                    return null; // an earlier attempt completed it, and its answer was lost
                }
                throw new BackendCalls.Permanent(new IOException("multipart upload of pack " + id + " vanished", e));
            } finally {
                tried[0] = true;
            }
        });
    }

    private boolean isComplete() {
        try {
            HeadObjectResponse head = store.s3.headObject(r -> r.bucket(store.config.bucket()).key(key));
            return head.contentLength() != null && head.contentLength() == position;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static RequestBody body(byte[] data, int n) {
        // a fresh stream per attempt, over the same bytes: no copy, and retries resend it whole
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, n), n,
                "application/octet-stream");
    }

    @Override
    public void abort() {
        if (sealed || aborted) {
            return;
        }
        aborted = true;
        buf = null;
        if (uploadId == null) {
            return;
        }
        for (Future<CompletedPart> f : parts) {
            try {
                f.get(); // parts still in flight would otherwise land after the abort
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                // the part failed; nothing to wait for
            }
        }
        try {
            store.calls.call("AbortMultipartUpload", () -> {
                try {
                    return store.s3.abortMultipartUpload(r -> r.bucket(store.config.bucket()).key(key)
                            .uploadId(uploadId));
                } catch (NoSuchUploadException e) {
                    return null;
                }
            });
        } catch (IOException | RuntimeException e) {
            log.warn("multipart upload not aborted; a bucket lifecycle rule must remove it pack={} uploadId={} error={}",
                    id, uploadId, e.toString());
        }
    }

    @Override
    public void close() {
        abort();
    }

    private void ensureWritable() {
        if (sealed || aborted) {
            throw new IllegalStateException("pack output is " + (sealed ? "sealed" : "aborted"));
        }
    }
}
