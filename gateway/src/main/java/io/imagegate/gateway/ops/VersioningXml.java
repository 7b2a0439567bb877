package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.Versioning;
import java.util.Optional;

/** The XML of PutBucketVersioning and GetBucketVersioning. */
final class VersioningXml {

    private VersioningXml() {}

    /**
     * The state a VersioningConfiguration body asks for: Enabled or Suspended, or none when it has no
     * Status. MalformedXML for another document, IllegalVersioningConfigurationException for another
     * Status, 501 NotImplemented for an MfaDelete other than Disabled.
     */
    static Optional<Versioning> parse(byte[] body) {
        XmlDocument doc = XmlDocument.parse(body);
        if (!doc.rootName().equals("VersioningConfiguration")) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        String status = XmlDocument.childText(doc.root(), "Status").orElse(null);
        String mfa = XmlDocument.childText(doc.root(), "MfaDelete").orElse(null);
        if (mfa != null && !mfa.equals("Disabled")) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "MFA Delete is not supported.");
        }
        if (status == null) {
            return Optional.empty();
        }
        return switch (status) {
            case "Enabled" -> Optional.of(Versioning.ENABLED);
            case "Suspended" -> Optional.of(Versioning.SUSPENDED);
            default -> throw new S3Exception(S3ErrorCode.ILLEGAL_VERSIONING_CONFIGURATION);
        };
    }

    /** GetBucketVersioning's answer: no Status for a bucket that never had versioning. */
    static XmlWriter write(Versioning versioning) {
        XmlWriter x = XmlWriter.s3("VersioningConfiguration");
        switch (versioning) {
            case ENABLED -> x.element("Status", "Enabled");
            case SUSPENDED -> x.element("Status", "Suspended");
            case UNVERSIONED -> { }
        }
        return x;
    }
}
