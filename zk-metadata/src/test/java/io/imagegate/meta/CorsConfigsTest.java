package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CORS configurations in ZooKeeper: stored whole, read back through any store, gone with the bucket. */
class CorsConfigsTest extends ZkTestSupport {

    static final CorsConfiguration SAMPLE = new CorsConfiguration(List.of(
            new CorsConfiguration.Rule("console", List.of("https://console.example.com"), List.of("GET", "PUT"),
                    List.of("*"), List.of("ETag"), 3000),
            new CorsConfiguration.Rule(null, List.of("*"), List.of("GET"), null, null, null)));

    @Test
    void aConfigurationIsReplacedWholeAndReadThroughAnotherStore() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        assertEquals(Optional.empty(), store.cors(bucket));
        store.putCors(b, SAMPLE);
        ZkMetadataStore other = newStore(config());
        assertEquals(SAMPLE, other.cors(bucket).orElseThrow());
        CorsConfiguration one = new CorsConfiguration(SAMPLE.rules().subList(1, 2));
        other.putCors(b, one);
        assertEquals(one, store.cors(bucket).orElseThrow());
        store.deleteCors(b);
        store.deleteCors(b);
        assertEquals(Optional.empty(), other.cors(bucket));
    }

    @Test
    void aBucketWithRulesIsDeletedWithThemAndANewOneHasNone() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        store.putCors(b, SAMPLE);
        store.deleteBucket(bucket);
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.cors(bucket));
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.putCors(b, SAMPLE));
        createBucket(Versioning.ENABLED);
        assertEquals(Optional.empty(), store.cors(bucket));
    }
}
