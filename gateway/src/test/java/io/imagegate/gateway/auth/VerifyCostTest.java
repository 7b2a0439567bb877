package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * Prints what verification costs; a measurement, not a specification, so it runs only with
 * IMAGEGATE_BENCH=1. Asserts only that the work was done, never a time.
 */
@EnabledIfEnvironmentVariable(named = "IMAGEGATE_BENCH", matches = "1")
class VerifyCostTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final SigV4Verifier VERIFIER = new SigV4Verifier(
            k -> Optional.of(SdkSignedRequestsTest.SECRET), CLOCK);

    @Test
    void verifyCostPerRequestIsPrinted() {
        SignedRequest get = SdkSigner.sign(SdkSigner.spec(SdkHttpMethod.GET, "images", "debian-12/disk image.raw")
                .header("Range", "bytes=0-65535"), CLOCK).request();
        SdkSigner.Spec presignedSpec = SdkSigner.spec(SdkHttpMethod.GET, "images", "debian-12.raw")
                .query("versionId", "3HL4kqtJlcpXroDTDmJ");
        presignedSpec.presignedFor = Duration.ofHours(1);
        SignedRequest presigned = SdkSigner.sign(presignedSpec, CLOCK).request();
        System.out.printf("SigV4 verify, header-signed GET: %.2f us/request%n", microsPerVerify(get));
        System.out.printf("SigV4 verify, presigned GET: %.2f us/request%n", microsPerVerify(presigned));
    }

    @Test
    void signedChunkDecodingThroughputIsPrinted() throws IOException {
        byte[] object = new byte[8 << 20];
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.PUT, "images", "big.raw").body(object);
        spec.chunked = true;
        SdkSigner.Wire wire = SdkSigner.sign(spec, CLOCK);
        byte[] buffer = new byte[64 << 10];
        int rounds = 8;
        long start = 0;
        for (int i = -2; i < rounds; i++) {
            if (i == 0) {
                start = System.nanoTime();
            }
            Authentication auth = VERIFIER.verify(wire.request());
            long total = 0;
            try (InputStream in = auth.payload().wrapBody(new ByteArrayInputStream(wire.body()), wire.body().length)) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    total += n;
                }
            }
            assertEquals(object.length, total);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("aws-chunked signed body decode: %.0f MiB/s%n", rounds * 8 / seconds);
    }

    /** The best of several rounds: other processes share these cores, and the minimum is the cost. */
    private static double microsPerVerify(SignedRequest request) {
        int perRound = 50_000;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                VERIFIER.verify(request);
            }
            best = Math.min(best, (System.nanoTime() - start) / 1e3 / perRound);
        }
        return best;
    }
}
