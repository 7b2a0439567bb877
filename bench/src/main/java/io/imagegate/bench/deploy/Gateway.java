package io.imagegate.bench.deploy;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The image as the nodes find it: which gateway, bucket and key, and the keys to sign with. */
record Gateway(URI endpoint, String bucket, String key, String accessKey, String secretKey, long imageSize) {

    static final String REGION = "us-east-1";

    /** The image's plain URL through {@code via}: the object is public-read, for clients that cannot sign. */
    String publicUrl(URI via) {
        return via.toString() + "/" + bucket + "/" + key;
    }

    /** A presigned GET of the image, addressed to {@code via} (a node's link), valid for {@code valid}. */
    String presignedGet(URI via, Duration valid) {
        try (S3Presigner p = S3Presigner.builder()
                .endpointOverride(via)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build()) {
            return p.presignGetObject(b -> b.signatureDuration(valid).getObjectRequest(g -> g.bucket(bucket).key(key)))
                    .url().toString();
        }
    }
}
