package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.gc.StorageReport;
import io.imagegate.gateway.http.Call;
import java.io.IOException;

/** {@code GET /?storage-report[&bucket=B]}: the storage report as JSON, for administrators (docs/API.md). */
public final class StorageReportOp {

    private final Stores stores;

    public StorageReportOp(Stores stores) {
        this.stores = stores;
    }

    public void report(Call call, S3Request.GetStorageReport op) throws IOException {
        if (!call.principal().admin()) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED);
        }
        if (stores.reports() == null) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "This gateway keeps no storage report.");
        }
        StorageReport report;
        if (op.onlyBucket() == null) {
            report = stores.reports().latest();
        } else {
            stores.meta().bucket(op.onlyBucket()).orElseThrow(() -> Errors.noSuchBucket(op.onlyBucket()));
            report = stores.reports().compute(op.onlyBucket());
        }
        call.respondBytes(200, "application/json", report.toJson());
    }
}
