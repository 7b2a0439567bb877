package io.imagegate.bench.scaleout;

import io.imagegate.bench.ServerProcess;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.services.s3.S3Client;

/** The benchmarks' common client ({@link ServerProcess#clientBuilder}) with a 5-minute call timeout, and bucket setup. */
final class S3Clients {

    private S3Clients() {}

    static S3Client of(URI endpoint, int connections) {
        return ServerProcess.clientBuilder(endpoint, connections)
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(5)))
                .build();
    }

    /** Creates a bucket unless it exists (a reused work directory keeps buckets). */
    static void ensureBucket(S3Client s3, String bucket) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
        }
    }
}
