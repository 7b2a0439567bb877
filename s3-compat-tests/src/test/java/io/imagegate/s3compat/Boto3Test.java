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

    /** The behaviours of issue 12's list of differences from AWS, as boto3 (a non-admin user) meets them. */
    @Test
    void boto3SeesTheS3BehavioursAwsHas() throws Exception {
        Path script = home.resolve("strict.py");
        Files.writeString(script, """
                import boto3, botocore.exceptions, sys, urllib.request, urllib.error
                s3 = boto3.client("s3", endpoint_url=sys.argv[1])
                names = ["strict-%d" % i for i in range(5)]
                for n in names:
                    s3.create_bucket(Bucket=n)
                # ListBuckets pagination
                page = s3.list_buckets(MaxBuckets=2, Prefix="strict-")
                assert [b["Name"] for b in page["Buckets"]] == names[:2], page
                assert page["Prefix"] == "strict-" and "ContinuationToken" in page, page
                assert page["Buckets"][0]["BucketRegion"] == "us-east-1", page
                seen = [b["Name"] for p in s3.get_paginator("list_buckets").paginate(Prefix="strict-",
                        PaginationConfig={"PageSize": 2}) for b in p["Buckets"]]
                assert seen == names, seen
                # an empty continuation token lists from the start
                s3.put_object(Bucket="strict-0", Key="a", Body=b"a")
                s3.put_object(Bucket="strict-0", Key="b", Body=b"b")
                listed = s3.list_objects_v2(Bucket="strict-0", ContinuationToken="")
                assert [o["Key"] for o in listed["Contents"]] == ["a", "b"], listed
                assert listed["ContinuationToken"] == "" and not listed["IsTruncated"], listed
                # X-Amz-Expires=0: valid, and expired at once (boto3 presigns with V2 unless told)
                from botocore.config import Config
                v4 = boto3.client("s3", endpoint_url=sys.argv[1], config=Config(signature_version="s3v4"))
                url = v4.generate_presigned_url("get_object", Params={"Bucket": "strict-0", "Key": "a"}, ExpiresIn=0)
                assert "X-Amz-Expires=0" in url, url
                try:
                    urllib.request.urlopen(url)
                    raise SystemExit("a zero-lifetime URL was served")
                except urllib.error.HTTPError as e:
                    body = e.read().decode()
                    assert e.code == 403, (e.code, body)
                    assert "<Code>AccessDenied</Code>" in body and "Request has expired" in body, body
                    assert "<RequestId>" in body, body
                # no version id on writes into a suspended bucket; reads say null
                s3.put_bucket_versioning(Bucket="strict-1", VersioningConfiguration={"Status": "Enabled"})
                assert "VersionId" in s3.put_object(Bucket="strict-1", Key="k", Body=b"v1")
                s3.put_bucket_versioning(Bucket="strict-1", VersioningConfiguration={"Status": "Suspended"})
                put = s3.put_object(Bucket="strict-1", Key="k", Body=b"null")
                assert "VersionId" not in put, put
                assert s3.head_object(Bucket="strict-1", Key="k")["VersionId"] == "null"
                # us-east-1: creating one's own bucket again succeeds and resets its ACL
                s3.put_bucket_acl(Bucket="strict-2", ACL="public-read")
                s3.create_bucket(Bucket="strict-2")
                assert len(s3.get_bucket_acl(Bucket="strict-2")["Grants"]) == 1
                # bucket-owner-full-control, as tools upload into others' buckets: the writer owns the object
                s3.put_object(Bucket="strict-2", Key="bofc", Body=b"x", ACL="bucket-owner-full-control")
                acl = s3.get_object_acl(Bucket="strict-2", Key="bofc")
                assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"], acl
                other = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                                     aws_secret_access_key=sys.argv[3])
                s3.put_bucket_acl(Bucket="strict-3", ACL="public-read-write")
                other.put_object(Bucket="strict-3", Key="theirs", Body=b"t", ACL="bucket-owner-read")
                assert s3.get_object(Bucket="strict-3", Key="theirs")["Body"].read() == b"t"
                other.put_object(Bucket="strict-3", Key="private", Body=b"p")
                try:
                    s3.get_object(Bucket="strict-3", Key="private")
                    raise SystemExit("the bucket owner read an object its writer did not grant it")
                except botocore.exceptions.ClientError as e:
                    assert e.response["Error"]["Code"] == "AccessDenied", e.response
                # non-ASCII metadata (botocore sends only ASCII: RFC 2047 words), stored decoded, returned as a B word
                import email.header
                s3.put_object(Bucket="strict-4", Key="meta", Body=b"m",
                              Metadata={"city": "=?UTF-8?Q?Z=C3=BCrich?=", "plain": "ascii"})
                meta = s3.head_object(Bucket="strict-4", Key="meta")["Metadata"]
                assert meta == {"city": "=?UTF-8?B?WsO8cmljaA==?=", "plain": "ascii"}, meta
                word, charset = email.header.decode_header(meta["city"])[0]
                assert word.decode(charset) == "Z\u00fcrich", (word, charset)
                owner = other.get_object_acl(Bucket="strict-3", Key="private")["Owner"]["ID"]
                assert owner != s3.list_buckets()["Owner"]["ID"], owner
                print("ok")
                """);
        gw.gateway().meta().createUser(new io.imagegate.meta.UserRecord("boto-other", "AKIABOTOOTHER0000001",
                "boto-other-secret-key", null, false));
        var result = ExternalTool.run(home, ExternalTool.awsEnv(home),
                List.of("python3", script.toString(), gw.endpoint().toString(), "AKIABOTOOTHER0000001",
                        "boto-other-secret-key")).ok();
        assertEquals("ok", result.stdout().trim());
    }
}
