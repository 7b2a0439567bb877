package io.imagegate.gateway.http;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A request body parsed as XML (CompleteMultipartUpload, Delete, VersioningConfiguration, ...),
 * with DTDs and external entities refused. Element lookups ignore namespaces, as S3 does.
 */
public final class XmlDocument {

    private static final DocumentBuilderFactory FACTORY = secureFactory();

    private final Element root;

    private XmlDocument(Element root) {
        this.root = root;
    }

    /**
     * @throws S3Exception MalformedXML when the bytes are not a well-formed XML 1.0 document. XML 1.1
     *         is refused: it lets text carry control characters (as {@code &#x1;}) that no XML 1.0
     *         answer can hold, so a configuration stored from it would be read back as a document
     *         no client parses (GetBucketCors, GetBucketLifecycleConfiguration). SDKs send XML 1.0.
     */
    public static XmlDocument parse(byte[] body) {
        if (body.length == 0) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        Document doc;
        try {
            DocumentBuilder builder = FACTORY.newDocumentBuilder();
            builder.setErrorHandler(null);
            doc = builder.parse(new ByteArrayInputStream(body));
        } catch (Exception e) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        if (!"1.0".equals(doc.getXmlVersion())) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        return new XmlDocument(doc.getDocumentElement());
    }

    public Element root() {
        return root;
    }

    public String rootName() {
        return localName(root);
    }

    /** Direct children of {@code parent} with this local name. */
    public static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(localName(e))) {
                result.add(e);
            }
        }
        return result;
    }

    /** The text of the first direct child with this name. */
    public static Optional<String> childText(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0).getTextContent());
    }

    private static String localName(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }

    private static DocumentBuilderFactory secureFactory() {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        try {
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a security feature", e);
        }
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return f;
    }
}
