package io.imagegate.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An S3 error to send: code, message, and any extra elements AWS adds to the error body (for
 * example {@code ArgumentName}, {@code ExpectedDigest}). Thrown anywhere below the router and
 * rendered in one place.
 */
public final class S3Exception extends RuntimeException {

    private final S3ErrorCode code;
    private final Map<String, String> details = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public S3Exception(S3ErrorCode code) {
        this(code, code.defaultMessage());
    }

    public S3Exception(S3ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public S3Exception(S3ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    /** Adds an element to the XML error body, after Code and Message. */
    public S3Exception detail(String element, String value) {
        details.put(element, value);
        return this;
    }

    /** Adds a response header, such as {@code x-amz-delete-marker} or {@code Retry-After}. */
    public S3Exception header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public S3ErrorCode code() {
        return code;
    }

    public Map<String, String> details() {
        return details;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
