package io.imagegate.gateway.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.LifecycleConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Fuzzes PutBucketLifecycleConfiguration bodies: a document is a configuration, or an S3Exception
 * with a 4xx code (MalformedXML, InvalidArgument, InvalidRequest) or 501 for what imagegate does
 * not implement; never another exception. A configuration has 1 to 1000 rules with unique IDs of at
 * most 255 characters, and what GetBucketLifecycleConfiguration writes for it reads back as the
 * same configuration. Bodies are raw text, or rules assembled from fuzzed elements.
 */
class LifecycleXmlFuzzTest {

    private static final String[] FILTERS = {"<Prefix>logs/</Prefix>", "<Filter/>", "<Filter><Prefix>a</Prefix></Filter>",
        "<Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></Filter>",
        "<Filter><And><Prefix>p</Prefix><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter>",
        "<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>", ""};
    private static final String[] ACTIONS = {"<Expiration><Days>1</Days></Expiration>",
        "<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>",
        "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
        "<NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays><NewerNoncurrentVersions>10</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
        "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>"};

    @FuzzTest
    @DictionaryEntries({"<LifecycleConfiguration>", "</LifecycleConfiguration>", "<Rule>", "</Rule>", "<ID>", "</ID>",
        "<Status>Enabled</Status>", "<Status>Disabled</Status>", "<Days>", "</Days>", "<Date>", "T00:00:00Z", "2147483648",
        "-1", "<NewerNoncurrentVersions>", "<ObjectSizeLessThan>", "<And>", "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""})
    void bodiesAreConfigurationsOrS3Errors(FuzzedDataProvider data) {
        byte[] body = data.consumeBoolean() ? assembled(data).getBytes(StandardCharsets.UTF_8)
                : data.consumeRemainingAsBytes();
        LifecycleConfiguration config;
        try {
            config = LifecycleXml.parse(body);
        } catch (S3Exception e) {
            int status = e.code().status();
            assertTrue(status >= 400 && status < 500 || e.code() == S3ErrorCode.NOT_IMPLEMENTED,
                    () -> "not a client error: " + e.code() + " " + e.getMessage());
            return;
        }
        assertTrue(!config.rules().isEmpty() && config.rules().size() <= LifecycleXml.MAX_RULES);
        Set<String> ids = new HashSet<>();
        for (LifecycleConfiguration.Rule r : config.rules()) {
            assertNotNull(r.id());
            assertTrue(r.id().length() <= LifecycleXml.MAX_ID_LENGTH, () -> "ID of " + r.id().length() + " characters");
            assertTrue(ids.add(r.id()), "rule IDs are unique");
        }
        byte[] written = LifecycleXml.write(config).toBytes();
        assertEquals(config, LifecycleXml.parse(written), () -> "what GET answers reads back the same:\n"
                + new String(written, StandardCharsets.UTF_8));
    }

    private static String assembled(FuzzedDataProvider data) {
        StringBuilder xml = new StringBuilder("<LifecycleConfiguration>");
        int rules = data.consumeInt(1, 4);
        for (int i = 0; i < rules; i++) {
            xml.append("<Rule>");
            if (data.consumeBoolean()) {
                xml.append("<ID>").append(data.consumeBoolean() ? "r" + i : text(data.consumeString(40))).append("</ID>");
            }
            xml.append(data.consumeInt(0, 3) == 0 ? filterOf(data) : data.pickValue(FILTERS));
            xml.append(data.consumeInt(0, 5) == 0 ? "<Status>" + text(data.consumeString(10)) + "</Status>"
                    : "<Status>Enabled</Status>");
            int actions = data.consumeInt(0, 3);
            for (int a = 0; a < actions; a++) {
                String action = data.pickValue(ACTIONS);
                if (data.consumeInt(0, 2) == 0) { // a fuzzed number or date in place of the known one
                    action = action.replaceFirst(">[0-9T:Z-]+<",
                            Matcher.quoteReplacement(">" + text(data.consumeString(24)) + "<"));
                }
                xml.append(action);
            }
            xml.append("</Rule>");
        }
        return xml.append("</LifecycleConfiguration>").toString();
    }

    private static String filterOf(FuzzedDataProvider data) {
        return "<Filter><And><Prefix>" + text(data.consumeString(30)) + "</Prefix><ObjectSizeGreaterThan>"
                + text(data.consumeString(20)) + "</ObjectSizeGreaterThan></And></Filter>";
    }

    /** Fuzzed text as XML character data (the raw branch covers markup). */
    private static String text(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
