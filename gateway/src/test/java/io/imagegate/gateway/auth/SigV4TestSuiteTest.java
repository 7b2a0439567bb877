package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The AWS Signature Version 4 test suite (AKIDEXAMPLE, 2015-08-30, us-east-1, service
 * "service"): each raw request must give the suite's canonical request and signature.
 *
 * <p>The suite's services compute the payload hash themselves, so these vectors exercise the
 * canonicalisation and signing steps directly; {@link S3DocumentedExamplesTest} runs S3's own
 * examples through the whole verifier.
 */
class SigV4TestSuiteTest {

    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String TIMESTAMP = "20150830T123600Z";
    private static final String SCOPE = "20150830/us-east-1/service/aws4_request";
    private static final String EMPTY = Hashes.EMPTY_SHA256;
    private static final String VANILLA_HEADERS = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n";

    /** One suite case: the .req file, the expected canonical request (null: not published consistently), the signature. */
    record Vector(String name, String req, String creq, String signedHeaders, String signature) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Vector> suite() {
        return Stream.of(
                new Vector("get-header-key-duplicate",
                        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\n"
                                + "My-Header1:value1\nX-Amz-Date:20150830T123600Z",
                        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EMPTY,
                        "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
                new Vector("get-header-value-multiline",
                        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\n"
                                + "X-Amz-Date:20150830T123600Z",
                        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1,value2,value3\n"
                                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EMPTY,
                        "host;my-header1;x-amz-date", "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"),
                new Vector("get-header-value-order",
                        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\n"
                                + "My-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z",
                        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
                                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EMPTY,
                        "host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
                new Vector("get-header-value-trim",
                        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\n"
                                + "X-Amz-Date:20150830T123600Z",
                        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + EMPTY,
                        "host;my-header1;my-header2;x-amz-date",
                        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
                vanilla("get-unreserved", "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                        "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "",
                        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
                vanilla("get-utf8", "GET /\u1234", "/%E1%88%B4", "",
                        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
                vanilla("get-vanilla", "GET /", "/", "",
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
                vanilla("get-vanilla-empty-query-key", "GET /?Param1=value1", "/", "Param1=value1",
                        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
                vanilla("get-vanilla-query-order-key", "GET /?Param1=value2&Param1=Value1", "/",
                        "Param1=Value1&Param1=value2", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
                vanilla("get-vanilla-query-order-key-case", "GET /?Param2=value2&Param1=value1", "/",
                        "Param1=value1&Param2=value2", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
                vanilla("get-vanilla-query-order-value", "GET /?Param1=value2&Param1=value1", "/",
                        "Param1=value1&Param1=value2", "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
                vanilla("get-vanilla-query-unreserved",
                        "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                                + "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "/",
                        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                                + "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
                vanilla("get-vanilla-utf8-query", "GET /?\u1234=bar", "/", "%E1%88%B4=bar",
                        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
                vanilla("post-header-key-case", "POST /", "/", "",
                        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                new Vector("post-header-key-sort",
                        "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z",
                        "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\n"
                                + "host;my-header1;x-amz-date\n" + EMPTY,
                        "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
                new Vector("post-header-value-case",
                        "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\nX-Amz-Date:20150830T123600Z",
                        "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n"
                                + "host;my-header1;x-amz-date\n" + EMPTY,
                        "host;my-header1;x-amz-date", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
                vanilla("post-vanilla", "POST /", "/", "",
                        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                vanilla("post-vanilla-empty-query-value", "POST /?Param1=value1", "/", "Param1=value1",
                        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
                vanilla("post-vanilla-query", "POST /?Param1=value1", "/", "Param1=value1",
                        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
                // The suite's raw request line for this case is not a valid URI; this is it properly escaped.
                vanilla("post-vanilla-query-nonunreserved",
                        "POST /?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D", "/",
                        "%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D&%40%23%24%25%5E=",
                        "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"),
                new Vector("post-x-www-form-urlencoded",
                        "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\n"
                                + "X-Amz-Date:20150830T123600Z\n\nParam1=value1",
                        null, "content-type;host;x-amz-date",
                        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
                new Vector("post-x-www-form-urlencoded-parameters",
                        "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf8\n"
                                + "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
                        null, "content-type;host;x-amz-date",
                        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
                new Vector("post-sts-header-before",
                        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n"
                                + "X-Amz-Security-Token:" + STS_TOKEN,
                        null, "host;x-amz-date;x-amz-security-token",
                        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
                new Vector("post-sts-header-after",
                        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n"
                                + "X-Amz-Security-Token:" + STS_TOKEN,
                        null, "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                // From the normalize-path group: a space needs escaping but no normalising, so S3 agrees.
                vanilla("get-space", "GET /example space/", "/example%20space/", "",
                        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"));
    }

    private static final String STS_TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsK"
            + "WHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKs"
            + "burEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbq"
            + "BAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private static Vector vanilla(String name, String requestLine, String uri, String query, String signature) {
        String method = requestLine.substring(0, requestLine.indexOf(' '));
        return new Vector(name, requestLine + " HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
                method + "\n" + uri + "\n" + query + "\n" + VANILLA_HEADERS + "\nhost;x-amz-date\n" + EMPTY,
                "host;x-amz-date", signature);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("suite")
    void canonicalRequestAndSignatureMatchTheSuite(Vector v) {
        RawRequest r = RawRequest.parse(v.req());
        List<String> signed = List.of(v.signedHeaders().split(";"));
        String creq = Canonical.request(r.method(), Canonical.uri(r.path()),
                QueryParameters.parse(r.query()).canonical(null), Canonical.headers(r.headers(), signed),
                v.signedHeaders(), Hashes.sha256Hex(r.body()));
        if (v.creq() != null) {
            assertEquals(v.creq(), creq);
        }
        String signature = SigningKey.of(SECRET, "20150830", "us-east-1", "service")
                .sign(Canonical.stringToSign(TIMESTAMP, SCOPE, creq));
        assertEquals(v.signature(), signature);
    }

    @Test
    void s3DoesNotNormalisePathsTheWayTheGenericSuiteDoes() {
        // normalize-path cases: other services sign "/", "/example", "/example/"; S3 signs the path as sent.
        for (String path : new String[] {"/example/..", "/example1/example2/../..", "//", "/./", "/./example",
                "//example//"}) {
            assertEquals(path, Canonical.uri(path));
        }
        String suiteSignature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        String s3Creq = "GET\n" + Canonical.uri("/example/..") + "\n\n" + VANILLA_HEADERS + "\nhost;x-amz-date\n" + EMPTY;
        assertNotEquals(suiteSignature, SigningKey.of(SECRET, "20150830", "us-east-1", "service")
                .sign(Canonical.stringToSign(TIMESTAMP, SCOPE, s3Creq)));
    }
}
