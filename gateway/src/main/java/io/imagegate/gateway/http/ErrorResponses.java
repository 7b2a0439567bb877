package io.imagegate.gateway.http;

import io.imagegate.gateway.S3Exception;
import java.util.Map;

/** Renders an {@link S3Exception} as S3 does: status, headers, and an XML body (none for HEAD or 304). */
public final class ErrorResponses {

    private final String hostId;

    public ErrorResponses(String hostId) {
        this.hostId = hostId;
    }

    public String hostId() {
        return hostId;
    }

    public void send(Call call, S3Exception e, String bucket, String key) {
        if (call.responseStarted()) {
            // the status line is gone: close the connection so the client sees a short body, never a clean end
            safeClose(call);
            return;
        }
        call.exchange().getResponseHeaders().clear();
        call.respondHeader("Date", HttpDates.rfc1123(call.received()));
        call.respondHeader("x-amz-request-id", call.requestId());
        call.respondHeader("x-amz-id-2", hostId);
        call.respondHeader("Server", "imagegate");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            call.respondHeader(h.getKey(), h.getValue());
        }
        int status = e.code().status();
        if (call.method().equals("HEAD") || status == 304) {
            call.respond(status);
            return;
        }
        XmlWriter x = XmlWriter.plain("Error")
                .element("Code", e.code().code())
                .element("Message", e.getMessage());
        if (bucket != null && !e.details().containsKey("BucketName")) {
            x.element("BucketName", bucket);
        }
        if (key != null && !e.details().containsKey("Key")) {
            x.element("Key", key);
        }
        e.details().forEach(x::element);
        x.element("Resource", call.rawPath())
                .element("RequestId", call.requestId())
                .element("HostId", hostId);
        call.respondXml(status, x);
    }

    /** Drops a response the client will never read. */
    public void abandon(Call call) {
        safeClose(call);
    }

    private static void safeClose(Call call) {
        try {
            call.exchange().getConnection().close();
        } catch (java.io.IOException ignored) {
            // the connection is being dropped anyway
        }
    }
}
