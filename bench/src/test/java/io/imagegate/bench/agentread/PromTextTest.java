package io.imagegate.bench.agentread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromTextTest {

    /** The shape of the gateway's /metrics (Micrometer's Prometheus text): large counters in E notation. */
    private static final String TEXT = """
            # HELP imagegate_s3_bytes_out_total response bytes sent
            # TYPE imagegate_s3_bytes_out_total counter
            imagegate_s3_bytes_out_total 5.2428805E7
            imagegate_s3_bytes_out_total_other 99.0
            # TYPE imagegate_s3_requests_seconds histogram
            imagegate_s3_requests_seconds_bucket{operation="GetObject",status="206",le="0.001"} 3.0
            imagegate_s3_requests_seconds_count{operation="GetObject",status="206",} 410.0
            imagegate_s3_requests_seconds_count{operation="GetObject",status="200",} 2.0
            imagegate_s3_requests_seconds_count{operation="HeadObject",status="200",} 1.0
            imagegate_s3_requests_seconds_count{status="400",operation="-",} 4.0
            imagegate_s3_requests_seconds_count 7.0
            imagegate_s3_requests_seconds_sum{operation="GetObject",status="206",} 1.5
            """;

    @Test
    void sumsEverySeriesOfExactlyThatName() {
        assertEquals(52_428_805.0, PromText.sum(TEXT, "imagegate_s3_bytes_out_total"));
        assertEquals(410 + 2 + 1 + 4 + 7, PromText.sum(TEXT, "imagegate_s3_requests_seconds_count"));
        assertTrue(Double.isNaN(PromText.sum(TEXT, "imagegate_s3_bytes_in_total")));
    }

    @Test
    void groupsByALabelWhereverItStands() {
        Map<String, Double> ops = PromText.byLabel(TEXT, "imagegate_s3_requests_seconds_count", "operation");
        assertEquals(Map.of("GetObject", 412.0, "HeadObject", 1.0, "-", 4.0, "", 7.0), ops);
    }
}
