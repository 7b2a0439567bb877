package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** boto3 with its defaults: upload_file (multipart above 8 MiB), download_file, listing, presigned URLs. */
class Boto3Test {

    static GatewayFixture gw;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(ExternalTool.onPath("python3"), "python3 is not installed: skipping the boto3 tests");
        var probe = ExternalTool.run(home, java.util.Map.of(), List.of("python3", "-c", "import boto3"));
        assumeTrue(probe.exit() == 0, "boto3 is not installed: skipping the boto3 tests");
        gw = GatewayFixture.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void boto3ScriptRunsEveryCallWithDefaults() throws Exception {
        Path script = home.resolve("script.py");
        Files.writeString(script, """
                import boto3, hashlib, os, sys, urllib.request
                s3 = boto3.client("s3", endpoint_url=sys.argv[1])
                s3.create_bucket(Bucket="boto")
                data = os.urandom(20 * 1024 * 1024 + 5)
                with open("up.bin", "wb") as f:
                    f.write(data)
                s3.upload_file("up.bin", "boto", "big/file.bin")
                s3.download_file("boto", "big/file.bin", "down.bin")
                assert hashlib.sha256(open("down.bin", "rb").read()).digest() == hashlib.sha256(data).digest()
                s3.put_object(Bucket="boto", Key="small", Body=b"hello", Metadata={"a": "b"})
                assert s3.get_object(Bucket="boto", Key="small")["Body"].read() == b"hello"
                assert s3.head_object(Bucket="boto", Key="small")["Metadata"] == {"a": "b"}
                keys = [o["Key"] for o in s3.list_objects_v2(Bucket="boto")["Contents"]]
                assert keys == ["big/file.bin", "small"], keys
                url = s3.generate_presigned_url("get_object", Params={"Bucket": "boto", "Key": "small"}, ExpiresIn=60)
                assert urllib.request.urlopen(url).read() == b"hello"
                try:
                    s3.get_object(Bucket="boto", Key="missing")
                    raise SystemExit("expected NoSuchKey")
                except s3.exceptions.NoSuchKey:
                    pass
                s3.delete_objects(Bucket="boto", Delete={"Objects": [{"Key": "small"}, {"Key": "big/file.bin"}]})
                assert s3.list_objects_v2(Bucket="boto")["KeyCount"] == 0
                print("ok")
                """);
        var result = ExternalTool.run(home, ExternalTool.awsEnv(home),
                List.of("python3", script.toString(), gw.endpoint().toString())).ok();
        assertEquals("ok", result.stdout().trim());
    }
}
