package io.imagegate.agent.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ObjectRefTest {

    @Test
    void parsesBucketKeyAndVersion() {
        ObjectRef r = ObjectRef.parse("s3://images/a/b/debian-12.raw?versionId=VF5%2Bx");
        assertEquals("images", r.bucket());
        assertEquals("a/b/debian-12.raw", r.key());
        assertEquals("VF5+x", r.versionId());
        assertTrue(r.pinnedByVersion());
        assertFalse(ObjectRef.parse("s3://b/k").pinnedByVersion());
        assertFalse(ObjectRef.parse("s3://b/k?versionId=null").pinnedByVersion());
    }

    @Test
    void refusesWhatIsNotAnObject() {
        for (String bad : new String[] {"http://b/k", "s3://b", "s3://b/", "s3:///k", "s3://b/k?acl"}) {
            assertThrows(IllegalArgumentException.class, () -> ObjectRef.parse(bad), bad);
        }
    }

    @Test
    void encodesPathsTheSigV4Way() {
        assertEquals("a/b%20c/%C3%A9%2B", ObjectRef.encodePath("a/b c/é+"));
        assertEquals("a%2Fb", ObjectRef.encodeQuery("a/b"));
    }
}
