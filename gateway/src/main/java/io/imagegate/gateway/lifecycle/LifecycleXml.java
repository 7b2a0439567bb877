package io.imagegate.gateway.lifecycle;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.LifecycleConfiguration.Expiration;
import io.imagegate.meta.LifecycleConfiguration.Filter;
import io.imagegate.meta.LifecycleConfiguration.FilterForm;
import io.imagegate.meta.LifecycleConfiguration.NoncurrentExpiration;
import io.imagegate.meta.LifecycleConfiguration.Rule;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The XML of PutBucketLifecycleConfiguration and GetBucketLifecycleConfiguration, read and checked
 * the way S3 checks it: a document that does not fit the schema is MalformedXML, a value out of range
 * is InvalidArgument, a combination S3 refuses is InvalidRequest, with S3's messages. What imagegate
 * does not implement (transitions: it has one storage class; tag filters: it has no object tags)
 * answers NotImplemented rather than being stored and never acted on. docs/API.md, "Lifecycle".
 */
public final class LifecycleXml {

    /** S3's limit on rules in one configuration. */
    public static final int MAX_RULES = 1000;
    /** S3's limit on a rule's ID. */
    public static final int MAX_ID_LENGTH = 255;
    /** S3's limit on NewerNoncurrentVersions. */
    public static final int MAX_NEWER_VERSIONS = 100;

    private static final Set<String> RULE_ELEMENTS = Set.of("ID", "Status", "Prefix", "Filter", "Expiration",
            "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload", "Transition", "NoncurrentVersionTransition");
    private static final Set<String> FILTER_ELEMENTS = Set.of("Prefix", "Tag", "ObjectSizeGreaterThan",
            "ObjectSizeLessThan", "And");

    private LifecycleXml() {}

    /** Parses and validates a LifecycleConfiguration document. */
    public static LifecycleConfiguration parse(byte[] body) {
        XmlDocument doc = XmlDocument.parse(body);
        if (!doc.rootName().equals("LifecycleConfiguration")) {
            throw malformed();
        }
        List<Element> ruleElements = new ArrayList<>();
        for (Element e : elements(doc.root())) {
            if (!name(e).equals("Rule")) {
                throw malformed();
            }
            ruleElements.add(e);
        }
        if (ruleElements.isEmpty() || ruleElements.size() > MAX_RULES) {
            throw malformed();
        }
        List<Rule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        boolean v1 = false;
        boolean v2 = false;
        for (Element r : ruleElements) {
            Rule rule = rule(r);
            if (rule.filter().form() == FilterForm.RULE_PREFIX) {
                v1 = true;
            } else {
                v2 = true;
            }
            if (!ids.add(rule.id())) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
                        "Rule ID must be unique. Found same ID for more than one rule")
                        .detail("ArgumentName", "ID").detail("ArgumentValue", rule.id());
            }
            rules.add(rule);
        }
        if (v1 && v2) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Filter element can only be used in Lifecycle V2.");
        }
        return new LifecycleConfiguration(rules);
    }

    private static Rule rule(Element r) {
        for (Element e : elements(r)) {
            if (!RULE_ELEMENTS.contains(name(e))) {
                throw malformed();
            }
        }
        String id = optionalText(r, "ID");
        if (id != null && id.length() > MAX_ID_LENGTH) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "ID length should not exceed allowed limit of "
                    + MAX_ID_LENGTH).detail("ArgumentName", "ID").detail("ArgumentValue", id);
        }
        if (id == null || id.isEmpty()) {
            id = generatedId();
        }
        String status = optionalText(r, "Status");
        if (!"Enabled".equals(status) && !"Disabled".equals(status)) {
            throw malformed();
        }
        Element prefix = optionalChild(r, "Prefix");
        Element filterElement = optionalChild(r, "Filter");
        if ((prefix == null) == (filterElement == null)) {
            throw malformed(); // exactly one of the rule-level Prefix (V1) and Filter (V2)
        }
        Filter filter = prefix != null ? new Filter(FilterForm.RULE_PREFIX, prefix.getTextContent(), null, null)
                : filter(filterElement);
        Expiration expiration = expiration(optionalChild(r, "Expiration"), filter);
        NoncurrentExpiration noncurrent = noncurrent(optionalChild(r, "NoncurrentVersionExpiration"), filter);
        Integer abortDays = abort(optionalChild(r, "AbortIncompleteMultipartUpload"), filter);
        if (optionalChildren(r, "Transition") || optionalChildren(r, "NoncurrentVersionTransition")) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "imagegate has a single storage class: lifecycle "
                    + "Transition and NoncurrentVersionTransition actions are not implemented.");
        }
        if (expiration == null && noncurrent == null && abortDays == null) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "At least one action needs to be specified in a rule");
        }
        return new Rule(id, status.equals("Enabled"), filter, expiration, noncurrent, abortDays);
    }

    private static Filter filter(Element f) {
        List<Element> parts = elements(f);
        for (Element e : parts) {
            if (!FILTER_ELEMENTS.contains(name(e))) {
                throw malformed();
            }
        }
        if (parts.size() > 1) {
            throw malformed(); // more than one predicate needs And
        }
        if (parts.isEmpty()) {
            return new Filter(FilterForm.PREFIX, "", null, null);
        }
        Element only = parts.get(0);
        return switch (name(only)) {
            case "Prefix" -> new Filter(FilterForm.PREFIX, only.getTextContent(), null, null);
            case "Tag" -> throw tagsNotImplemented();
            case "ObjectSizeGreaterThan" -> sizes(FilterForm.SIZE_GREATER_THAN, "", size(only), null);
            case "ObjectSizeLessThan" -> sizes(FilterForm.SIZE_LESS_THAN, "", null, size(only));
            default -> and(only);
        };
    }

    private static Filter and(Element and) {
        List<Element> parts = elements(and);
        String prefix = null;
        Long greater = null;
        Long less = null;
        for (Element e : parts) {
            switch (name(e)) {
                case "Prefix" -> {
                    if (prefix != null) {
                        throw malformed();
                    }
                    prefix = e.getTextContent();
                }
                case "Tag" -> throw tagsNotImplemented();
                case "ObjectSizeGreaterThan" -> {
                    if (greater != null) {
                        throw malformed();
                    }
                    greater = size(e);
                }
                case "ObjectSizeLessThan" -> {
                    if (less != null) {
                        throw malformed();
                    }
                    less = size(e);
                }
                default -> throw malformed();
            }
        }
        if (parts.size() < 2) {
            throw malformed(); // And joins two or more predicates
        }
        return sizes(FilterForm.AND, prefix, greater, less);
    }

    private static Filter sizes(FilterForm form, String prefix, Long greater, Long less) {
        if (greater != null && greater < 0) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "'ObjectSizeGreaterThan' should not be negative");
        }
        if (less != null && less < 1) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "'ObjectSizeLessThan' should be greater than 0");
        }
        if (greater != null && less != null && greater >= less) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                    "'ObjectSizeGreaterThan' should be less than 'ObjectSizeLessThan'");
        }
        return new Filter(form, prefix, greater, less);
    }

    private static Expiration expiration(Element e, Filter filter) {
        if (e == null) {
            return null;
        }
        checkChildren(e, Set.of("Days", "Date", "ExpiredObjectDeleteMarker"));
        String days = optionalText(e, "Days");
        String date = optionalText(e, "Date");
        String marker = optionalText(e, "ExpiredObjectDeleteMarker");
        int given = (days != null ? 1 : 0) + (date != null ? 1 : 0) + (marker != null ? 1 : 0);
        if (given != 1) {
            throw malformed(); // Days, Date and ExpiredObjectDeleteMarker exclude each other
        }
        if (days != null) {
            int n = integer(days);
            if (n <= 0) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "'Days' for Expiration action must be a positive integer")
                        .detail("ArgumentName", "Days").detail("ArgumentValue", days);
            }
            return new Expiration(n, null, false);
        }
        if (date != null) {
            return new Expiration(null, midnight(date), false);
        }
        boolean on = bool(marker);
        if (filter.hasSizeBounds()) {
            throw malformed(); // S3 refuses ExpiredObjectDeleteMarker with an object size filter
        }
        return new Expiration(null, null, on);
    }

    private static NoncurrentExpiration noncurrent(Element e, Filter filter) {
        if (e == null) {
            return null;
        }
        checkChildren(e, Set.of("NoncurrentDays", "NewerNoncurrentVersions"));
        String days = optionalText(e, "NoncurrentDays");
        if (days == null) {
            throw malformed();
        }
        int n = integer(days);
        if (n <= 0) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
                    "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
                    .detail("ArgumentName", "NoncurrentDays").detail("ArgumentValue", days);
        }
        String newer = optionalText(e, "NewerNoncurrentVersions");
        Integer keep = null;
        if (newer != null) {
            if (filter.form() == FilterForm.RULE_PREFIX) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                        "NewerNoncurrentVersions element can only be used in Lifecycle V2.");
            }
            keep = integer(newer);
            if (keep <= 0 || keep > MAX_NEWER_VERSIONS) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "'NewerNoncurrentVersions' for "
                        + "NoncurrentVersionExpiration action must be a positive integer up to " + MAX_NEWER_VERSIONS)
                        .detail("ArgumentName", "NewerNoncurrentVersions").detail("ArgumentValue", newer);
            }
        }
        return new NoncurrentExpiration(n, keep);
    }

    private static Integer abort(Element e, Filter filter) {
        if (e == null) {
            return null;
        }
        checkChildren(e, Set.of("DaysAfterInitiation"));
        String days = optionalText(e, "DaysAfterInitiation");
        if (days == null) {
            throw malformed();
        }
        int n = integer(days);
        if (n <= 0) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
                    "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
                    .detail("ArgumentName", "DaysAfterInitiation").detail("ArgumentValue", days);
        }
        if (filter.hasSizeBounds()) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "AbortIncompleteMultipartUpload cannot be specified with Object Size.");
        }
        return n;
    }

    /** A Date must be midnight UTC: an ISO-8601 date-time (or plain date). */
    private static Instant midnight(String text) {
        String t = text.trim();
        Instant at;
        try {
            at = t.length() == 10 ? LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw malformed();
        }
        if (at.getEpochSecond() % 86_400 != 0 || at.getNano() != 0) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "'Date' must be at midnight GMT")
                    .detail("ArgumentName", "Date").detail("ArgumentValue", text);
        }
        return at;
    }

    // ---- the response of GetBucketLifecycleConfiguration

    public static XmlWriter write(LifecycleConfiguration config) {
        XmlWriter x = XmlWriter.s3("LifecycleConfiguration");
        for (Rule r : config.rules()) {
            x.start("Rule");
            x.element("ID", r.id());
            Filter f = r.filter();
            switch (f.form()) {
                case RULE_PREFIX -> x.element("Prefix", f.prefix());
                case PREFIX -> x.start("Filter").element("Prefix", f.prefix()).end();
                case SIZE_GREATER_THAN -> x.start("Filter").element("ObjectSizeGreaterThan", f.sizeGreaterThan()).end();
                case SIZE_LESS_THAN -> x.start("Filter").element("ObjectSizeLessThan", f.sizeLessThan()).end();
                case AND -> {
                    x.start("Filter").start("And");
                    x.element("Prefix", f.prefix().isEmpty() ? null : f.prefix());
                    if (f.sizeGreaterThan() != null) {
                        x.element("ObjectSizeGreaterThan", f.sizeGreaterThan());
                    }
                    if (f.sizeLessThan() != null) {
                        x.element("ObjectSizeLessThan", f.sizeLessThan());
                    }
                    x.end().end();
                }
            }
            x.element("Status", r.enabled() ? "Enabled" : "Disabled");
            if (r.expiration() != null) {
                Expiration e = r.expiration();
                x.start("Expiration");
                if (e.days() != null) {
                    x.element("Days", e.days());
                } else if (e.date() != null) {
                    x.element("Date", e.date());
                } else {
                    x.element("ExpiredObjectDeleteMarker", e.expiredObjectDeleteMarker());
                }
                x.end();
            }
            if (r.noncurrent() != null) {
                x.start("NoncurrentVersionExpiration").element("NoncurrentDays", r.noncurrent().days());
                if (r.noncurrent().newerVersions() != null) {
                    x.element("NewerNoncurrentVersions", r.noncurrent().newerVersions());
                }
                x.end();
            }
            if (r.abortDays() != null) {
                x.start("AbortIncompleteMultipartUpload").element("DaysAfterInitiation", r.abortDays()).end();
            }
            x.end();
        }
        return x;
    }

    // ---- helpers

    private static S3Exception malformed() {
        return new S3Exception(S3ErrorCode.MALFORMED_XML);
    }

    private static S3Exception tagsNotImplemented() {
        return new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                "imagegate does not implement object tags: lifecycle rules cannot filter on them.");
    }

    /** S3 generates an ID for a rule that has none; this one is base64 of a random UUID, as S3's look. */
    private static String generatedId() {
        return Base64.getEncoder().withoutPadding()
                .encodeToString(UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static int integer(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw malformed();
        }
    }

    private static long size(Element e) {
        try {
            return Long.parseLong(e.getTextContent().trim());
        } catch (NumberFormatException x) {
            throw malformed();
        }
    }

    private static boolean bool(String text) {
        return switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw malformed();
        };
    }

    private static void checkChildren(Element e, Set<String> allowed) {
        for (Element c : elements(e)) {
            if (!allowed.contains(name(c))) {
                throw malformed();
            }
        }
    }

    /** The text of the one child of that name, null when absent; MalformedXML when repeated. */
    private static String optionalText(Element parent, String name) {
        Element e = optionalChild(parent, name);
        return e == null ? null : e.getTextContent();
    }

    private static Element optionalChild(Element parent, String name) {
        List<Element> found = XmlDocument.children(parent, name);
        if (found.size() > 1) {
            throw malformed();
        }
        return found.isEmpty() ? null : found.get(0);
    }

    private static boolean optionalChildren(Element parent, String name) {
        return !XmlDocument.children(parent, name).isEmpty();
    }

    private static List<Element> elements(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            } else if (n.getNodeType() == Node.TEXT_NODE && !n.getTextContent().isBlank()) {
                throw malformed(); // text where only elements belong
            }
        }
        return out;
    }

    private static String name(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }
}
