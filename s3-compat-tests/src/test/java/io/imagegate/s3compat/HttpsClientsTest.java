package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * aws-cli, boto3 and the SDK v2 against a gateway serving HTTPS with a certificate from a test CA,
 * trusting it through {@code --ca-bundle}, {@code AWS_CA_BUNDLE} and {@code verify=}. Over HTTPS the
 * Python SDKs stop signing the payload and send it aws-chunked with a trailing checksum
 * ({@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}), single PUTs and multipart parts alike: the tests
 * check that this is the path they took.
 */
class HttpsClientsTest {

    static GatewayFixture gw;
    static Path caBundle;
    @TempDir
    static Path home;
    static Path twelveMiB;

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = TestCa.create("s3-compat https root");
        Path tls = Files.createDirectories(home.resolve("tls"));
        ca.issue(KeyType.RSA, "localhost", "127.0.0.1").writeTo(tls);
        caBundle = ca.writeCertificate(home.resolve("ca.pem"));
        gw = GatewayFixture.startHttps(tls.resolve("tls.crt"), tls.resolve("tls.key"), caBundle);
        twelveMiB = home.resolve("twelve.bin"); // two parts at the 8 MiB part size of aws-cli and boto3
        byte[] data = new byte[12 << 20];
        new Random(7).nextBytes(data);
        Files.write(twelveMiB, data);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    static ExternalTool.Result aws(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("aws", "--endpoint-url", gw.endpoint().toString()));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(ExternalTool.awsEnv(home));
        env.putAll(extraEnv);
        return ExternalTool.run(home, env, cmd);
    }

    @Test
    void awsCliWithCaBundleUploadsMultipartAndSinglePutsWithTrailingChecksums() throws Exception {
        assumeTrue(ExternalTool.onPath("aws"), "aws-cli is not installed: skipping the aws-cli HTTPS test");
        String bundle = caBundle.toString();
        assertTrue(gw.endpoint().toString().startsWith("https://"));
        aws(Map.of(), "--ca-bundle", bundle, "s3", "mb", "s3://cli-tls").ok();
        var multipart = aws(Map.of(), "--ca-bundle", bundle, "--debug", "s3", "cp", twelveMiB.toString(), "s3://cli-tls/disk.raw").ok();
        assertTrue(multipart.stderr().contains("UploadPart") && multipart.stderr().contains("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                "aws-cli sent its parts with trailing checksums");
        Path small = Files.writeString(home.resolve("small.txt"), "a small file over tls");
        var single = aws(Map.of(), "--ca-bundle", bundle, "--debug", "s3", "cp", small.toString(), "s3://cli-tls/small.txt").ok();
        assertTrue(single.stderr().contains("PutObject") && single.stderr().contains("STREAMING-UNSIGNED-PAYLOAD-TRAILER"));

        // AWS_CA_BUNDLE instead of the flag
        Map<String, String> envBundle = Map.of("AWS_CA_BUNDLE", bundle);
        Path back = home.resolve("back.raw");
        aws(envBundle, "s3", "cp", "s3://cli-tls/disk.raw", back.toString()).ok();
        assertArrayEquals(AwsCliTest.sha256(twelveMiB), AwsCliTest.sha256(back));
        String ls = aws(envBundle, "s3", "ls", "s3://cli-tls/").ok().stdout();
        assertTrue(ls.contains("12582912 disk.raw") && ls.contains("21 small.txt"), ls);

        var untrusted = aws(Map.of(), "s3", "ls", "s3://cli-tls/");
        assertNotEquals(0, untrusted.exit());
        assertTrue(untrusted.stderr().contains("CERTIFICATE_VERIFY_FAILED"), untrusted.stderr());
    }

    @Test
    void boto3WithVerifyUploadsMultipartAndSinglePutsWithTrailingChecksums() throws Exception {
        assumeTrue(ExternalTool.onPath("python3"), "python3 is not installed: skipping the boto3 HTTPS test");
        assumeTrue(ExternalTool.run(home, Map.of(), List.of("python3", "-c", "import boto3")).exit() == 0,
                "boto3 is not installed: skipping the boto3 HTTPS test");
        Path script = home.resolve("tls.py");
        Files.writeString(script, """
                import boto3, hashlib, ssl, sys, urllib.request
                endpoint, bundle, path = sys.argv[1:4]
                s3 = boto3.client("s3", endpoint_url=endpoint, verify=bundle)
                sent = set()
                def recorder(operation):
                    def record(request, **kwargs):
                        v = request.headers.get("x-amz-content-sha256")
                        sent.add(operation + " " + (v.decode() if isinstance(v, bytes) else str(v)))
                    return record
                for operation in ("PutObject", "UploadPart"):
                    s3.meta.events.register("before-send.s3." + operation, recorder(operation))
                s3.create_bucket(Bucket="boto-tls")
                s3.upload_file(path, "boto-tls", "disk.raw")
                s3.put_object(Bucket="boto-tls", Key="small", Body=b"hello over tls")
                assert s3.get_object(Bucket="boto-tls", Key="small")["Body"].read() == b"hello over tls"
                s3.download_file("boto-tls", "disk.raw", "down.raw")
                assert hashlib.sha256(open("down.raw", "rb").read()).digest() == hashlib.sha256(open(path, "rb").read()).digest()
                url = s3.generate_presigned_url("get_object", Params={"Bucket": "boto-tls", "Key": "small"}, ExpiresIn=60)
                assert urllib.request.urlopen(url, context=ssl.create_default_context(cafile=bundle)).read() == b"hello over tls"
                for line in sorted(sent):
                    print(line)
                """);
        var result = ExternalTool.run(home, ExternalTool.awsEnv(home),
                List.of("python3", script.toString(), gw.endpoint().toString(), caBundle.toString(), twelveMiB.toString())).ok();
        assertEquals(List.of("PutObject STREAMING-UNSIGNED-PAYLOAD-TRAILER", "UploadPart STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                result.stdout().lines().toList());
    }

    @Test
    void sdkV2TrustsTheCaBundle() throws Exception {
        S3Client s3 = gw.client();
        s3.createBucket(b -> b.bucket("sdk-tls"));
        byte[] body = Files.readAllBytes(twelveMiB);
        s3.putObject(b -> b.bucket("sdk-tls").key("disk.raw"), RequestBody.fromBytes(body));
        assertArrayEquals(body, s3.getObjectAsBytes(b -> b.bucket("sdk-tls").key("disk.raw")).asByteArray());
        assertEquals(List.of("disk.raw"), s3.listObjectsV2(b -> b.bucket("sdk-tls")).contents().stream().map(o -> o.key()).toList());
    }
}
