package io.imagegate.gateway.cors;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.CorsConfiguration;
import io.imagegate.meta.CorsConfiguration.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The XML of PutBucketCors and GetBucketCors, checked as S3 checks it: a document that does not fit
 * the schema (unknown elements, a rule without AllowedOrigin or AllowedMethod, no rule, more than 100
 * rules, a MaxAgeSeconds that is no integer) is MalformedXML; a method S3 does not allow, or a second
 * wildcard in an AllowedOrigin or AllowedHeader, or a wildcard in an ExposeHeader, is InvalidRequest
 * with S3's message. docs/API.md, "CORS".
 */
public final class CorsXml {

    /** S3's limit on rules in one configuration. */
    public static final int MAX_RULES = 100;
    /** S3's limit on a rule's ID. */
    public static final int MAX_ID_LENGTH = 255;

    static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE", "HEAD");
    private static final Set<String> RULE_ELEMENTS = Set.of("ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader",
            "ExposeHeader", "MaxAgeSeconds");

    private CorsXml() {}

    /** Parses and validates a CORSConfiguration document. */
    public static CorsConfiguration parse(byte[] body) {
        XmlDocument doc = XmlDocument.parse(body);
        if (!doc.rootName().equals("CORSConfiguration")) {
            throw malformed();
        }
        List<Rule> rules = new ArrayList<>();
        for (Element e : elements(doc.root())) {
            if (!name(e).equals("CORSRule")) {
                throw malformed();
            }
            rules.add(rule(e));
        }
        if (rules.isEmpty() || rules.size() > MAX_RULES) {
            throw malformed();
        }
        return new CorsConfiguration(rules);
    }

    private static Rule rule(Element r) {
        String id = null;
        Integer maxAge = null;
        List<String> origins = new ArrayList<>();
        List<String> methods = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        List<String> expose = new ArrayList<>();
        for (Element c : elements(r)) {
            String n = name(c);
            if (!RULE_ELEMENTS.contains(n)) {
                throw malformed();
            }
            String text = c.getTextContent().trim();
            switch (n) {
                case "ID" -> {
                    if (id != null || text.length() > MAX_ID_LENGTH) {
                        throw malformed();
                    }
                    id = text;
                }
                case "MaxAgeSeconds" -> {
                    if (maxAge != null) {
                        throw malformed();
                    }
                    try {
                        maxAge = Integer.parseInt(text);
                    } catch (NumberFormatException x) {
                        throw malformed();
                    }
                    if (maxAge < 0) {
                        throw malformed();
                    }
                }
                case "AllowedOrigin" -> {
                    if (wildcards(text) > 1) {
                        throw invalid("AllowedOrigin \"" + text + "\" can not have more than one wildcard.");
                    }
                    origins.add(text);
                }
                case "AllowedMethod" -> {
                    if (!METHODS.contains(text)) {
                        throw invalid("Found unsupported HTTP method in CORS config. Unsupported method is " + text);
                    }
                    methods.add(text);
                }
                case "AllowedHeader" -> {
                    if (wildcards(text) > 1) {
                        throw invalid("AllowedHeader \"" + text + "\" can not have more than one wildcard.");
                    }
                    headers.add(text);
                }
                default -> { // ExposeHeader
                    if (wildcards(text) > 0) {
                        throw invalid("ExposeHeader \"" + text + "\" contains wildcard. "
                                + "We currently do not support wildcard for ExposeHeader.");
                    }
                    expose.add(text);
                }
            }
        }
        if (origins.isEmpty() || methods.isEmpty()) {
            throw malformed();
        }
        return new Rule(id, origins, methods, headers, expose, maxAge);
    }

    /** The response of GetBucketCors. */
    public static XmlWriter write(CorsConfiguration config) {
        XmlWriter x = XmlWriter.s3("CORSConfiguration");
        for (Rule r : config.rules()) {
            x.start("CORSRule");
            x.element("ID", r.id());
            r.allowedHeaders().forEach(h -> x.element("AllowedHeader", h));
            r.allowedMethods().forEach(m -> x.element("AllowedMethod", m));
            r.allowedOrigins().forEach(o -> x.element("AllowedOrigin", o));
            r.exposeHeaders().forEach(h -> x.element("ExposeHeader", h));
            if (r.maxAgeSeconds() != null) {
                x.element("MaxAgeSeconds", r.maxAgeSeconds());
            }
            x.end();
        }
        return x;
    }

    private static int wildcards(String s) {
        return (int) s.chars().filter(c -> c == '*').count();
    }

    private static S3Exception malformed() {
        return new S3Exception(S3ErrorCode.MALFORMED_XML);
    }

    private static S3Exception invalid(String message) {
        return new S3Exception(S3ErrorCode.INVALID_REQUEST, message);
    }

    private static List<Element> elements(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            } else if (n.getNodeType() == Node.TEXT_NODE && !n.getTextContent().isBlank()) {
                throw malformed();
            }
        }
        return out;
    }

    private static String name(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }
}
