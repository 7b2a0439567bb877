package io.imagegate.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The documents of one {@code helm template} output, parsed, with look-ups by kind and name. */
final class Manifests {

    /** Duplicate keys are an error, as they are for the API server. */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final List<JsonNode> docs;

    private Manifests(List<JsonNode> docs) {
        this.docs = docs;
    }

    static Manifests parse(String rendered) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(rendered)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && doc.size() > 0) {
                    assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind")
                            && doc.path("metadata").hasNonNull("name"), "every document names apiVersion, kind and metadata.name: " + doc);
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rendered manifests are not valid YAML:\n" + rendered, e);
        }
        return new Manifests(docs);
    }

    List<JsonNode> all() {
        return docs;
    }

    List<JsonNode> ofKind(String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    /** The only document of this kind. */
    JsonNode one(String kind) {
        List<JsonNode> found = ofKind(kind);
        assertEquals(1, found.size(), () -> "expected exactly one " + kind + ", found " + names(found));
        return found.get(0);
    }

    Optional<JsonNode> find(String kind, String name) {
        return docs.stream()
                .filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
                .findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name).orElseGet(() -> fail("no " + kind + " named " + name + " among " + names(docs)));
    }

    /** The documents whose component label is the given one. */
    List<JsonNode> component(String component) {
        return docs.stream()
                .filter(d -> d.path("metadata").path("labels").path("app.kubernetes.io/component").asText().equals(component))
                .toList();
    }

    static String names(List<JsonNode> docs) {
        return docs.stream().map(d -> d.path("kind").asText() + "/" + d.path("metadata").path("name").asText())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    static String name(JsonNode doc) {
        return doc.path("metadata").path("name").asText();
    }

    /** The pod template's container of that name. */
    static JsonNode container(JsonNode workload, String name) {
        for (JsonNode c : workload.path("spec").path("template").path("spec").path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        return fail("no container " + name + " in " + name(workload));
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The value following {@code flag} in a container's args; fails if the flag is absent or repeated. */
    static String arg(JsonNode container, String flag) {
        List<String> args = strings(container.path("args"));
        int i = args.indexOf(flag);
        assertTrue(i >= 0 && i + 1 < args.size(), () -> flag + " with a value in " + args);
        assertEquals(i, args.lastIndexOf(flag), () -> flag + " given once in " + args);
        return args.get(i + 1);
    }

    static boolean hasArg(JsonNode container, String flag) {
        return strings(container.path("args")).contains(flag);
    }

    static Optional<JsonNode> env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** A named container port's number; a number given as such is returned as it is. */
    static int port(JsonNode container, JsonNode portRef) {
        if (portRef.isInt()) {
            return portRef.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(portRef.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return fail("container " + container.path("name").asText() + " has no port named " + portRef.asText());
    }

    /** Every label of {@code selector} is on {@code labels} with the same value (and the selector is not empty). */
    static void assertSelects(JsonNode selector, JsonNode labels, String what) {
        assertFalse(selector.isEmpty(), what + ": empty selector");
        Iterator<Map.Entry<String, JsonNode>> it = selector.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(),
                    what + ": selector " + e.getKey() + " does not match the pod's labels " + labels);
        }
    }
}
