package io.imagegate.helm;

import static io.imagegate.helm.Manifests.arg;
import static io.imagegate.helm.Manifests.assertSelects;
import static io.imagegate.helm.Manifests.container;
import static io.imagegate.helm.Manifests.env;
import static io.imagegate.helm.Manifests.hasArg;
import static io.imagegate.helm.Manifests.name;
import static io.imagegate.helm.Manifests.port;
import static io.imagegate.helm.Manifests.strings;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chart in helm/imagegate, linted and rendered by the real Helm (helm-java's bundled library),
 * its output parsed and checked for what a cluster would otherwise find out the hard way: probe
 * paths and ports, Secret references, replica counts, disruption budgets, the ZooKeeper ensemble
 * the gateways are pointed at, and the value combinations the chart must refuse.
 */
class ChartTest {

    static final Path CHART = Path.of(System.getProperty("basedir", ".")).resolve("imagegate").toAbsolutePath().normalize();
    static final String RELEASE = "demo";
    static final String NAMESPACE = "images";
    static final String KUBE_VERSION = "1.31.0";
    static final int S3_PORT = 9000;

    @TempDir
    Path tmp;

    @BeforeAll
    static void helm() {
        String version = HelmAvailable.assume();
        assertTrue(Files.isRegularFile(CHART.resolve("Chart.yaml")), "chart at " + CHART);
        System.out.println("helm " + version + ", chart " + CHART);
    }

    // ---------------------------------------------------------------- lint

    @Test
    void lintStrictPasses() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict: " + result.getMessages());
        assertTrue(result.getMessages().stream().noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
                () -> "helm lint --strict: " + result.getMessages());
    }

    // ---------------------------------------------------------------- defaults

    @Test
    void defaultsOneGatewayOnAVolumeAndAThreeNodeEnsemble() {
        Manifests m = render(null);

        JsonNode deployment = m.one("Deployment");
        JsonNode gw = container(deployment, "gateway");
        assertEquals(1, deployment.path("spec").path("replicas").asInt());
        assertEquals("Recreate", deployment.path("spec").path("strategy").path("type").asText(),
                "one ReadWriteOnce volume: the old pod must let go before the new one starts");
        assertGatewayContainer(m, deployment);

        // root keys: a chart-made Secret, generated, referenced by name and key
        JsonNode secret = m.get("Secret", RELEASE + "-imagegate-root");
        assertRootKeysFrom(gw, name(secret), "access-key", "secret-key");
        String accessKey = decode(secret.path("data").path("access-key"));
        String secretKey = decode(secret.path("data").path("secret-key"));
        assertTrue(accessKey.matches("[A-Z0-9]{20}"), "generated access key " + accessKey);
        assertTrue(secretKey.matches("[A-Za-z0-9]{40}"), "generated secret key of 40 characters");

        // the ZooKeeper identity: a chart-made Secret, generated, kept past an uninstall
        JsonNode zkAuth = m.get("Secret", RELEASE + "-imagegate-zookeeper-auth");
        assertTrue(decode(zkAuth.path("data").path("auth")).matches("imagegate:[A-Za-z0-9]{32}"), "generated identity");
        assertEquals("keep", zkAuth.path("metadata").path("annotations").path("helm.sh/resource-policy").asText());
        assertSecretRef(gw, "IMAGEGATE_ZOOKEEPER_AUTH", name(zkAuth), "auth");
        assertEquals(2, m.ofKind("Secret").size(), () -> Manifests.names(m.ofKind("Secret")));

        // chunks on the chart's PersistentVolumeClaim, mounted at --data
        JsonNode pvc = m.one("PersistentVolumeClaim");
        assertEquals("keep", pvc.path("metadata").path("annotations").path("helm.sh/resource-policy").asText());
        assertTrue(pvc.path("spec").path("resources").path("requests").hasNonNull("storage"));
        assertEquals(name(pvc), volume(deployment, "data").path("persistentVolumeClaim").path("claimName").asText());
        assertFalse(hasArg(gw, "--chunks"), "local chunk store: no --chunks");

        // the PDB
        JsonNode pdb = gatewayPdb(m);
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt());
        assertFalse(pdb.path("spec").has("minAvailable"));

        assertBundledZooKeeper(m, gw, 3);
    }

    @Test
    void fiveServerEnsemble() {
        Manifests m = render("""
                zookeeper:
                  replicas: 5
                """);
        assertBundledZooKeeper(m, container(m.one("Deployment"), "gateway"), 5);
    }

    // ---------------------------------------------------------------- HTTPS

    @Test
    void tlsServesHttpsFromTheMountedSecretWithProbesOverHttps() {
        Manifests m = render("""
                tls:
                  enabled: true
                  secretName: imagegate-tls
                  reloadCheck: 30s
                """);
        JsonNode deployment = m.one("Deployment");
        JsonNode pod = deployment.path("spec").path("template");
        JsonNode gw = container(deployment, "gateway");

        // the files come from the Secret's directory: a subPath mount would never see a renewal
        JsonNode tlsVolume = volume(deployment, "tls");
        assertEquals("imagegate-tls", tlsVolume.path("secret").path("secretName").asText());
        JsonNode mount = mount(gw, "tls");
        assertTrue(mount.path("readOnly").asBoolean());
        assertFalse(mount.has("subPath") || mount.has("subPathExpr"), "a subPath mount is not updated on renewal");
        String dir = mount.path("mountPath").asText();
        assertEquals(dir + "/tls.crt", arg(gw, "--tls-cert"), "tls.crt of a kubernetes.io/tls Secret");
        assertEquals(dir + "/tls.key", arg(gw, "--tls-key"));
        assertEquals("30s", arg(gw, "--tls-reload-check"));

        assertAll("probes and ports over HTTPS",
                () -> assertEquals(S3_PORT, port(gw, textNode("https")), "container port named https"),
                () -> assertEquals(1, gw.path("ports").size()),
                () -> assertProbe(gw, "startupProbe", "/health/live", "HTTPS"),
                () -> assertProbe(gw, "livenessProbe", "/health/live", "HTTPS"),
                () -> assertProbe(gw, "readinessProbe", "/health/ready", "HTTPS"),
                () -> assertEquals("https", pod.path("metadata").path("annotations").path("prometheus.io/scheme").asText()));
        JsonNode sp = m.get("Service", name(deployment)).path("spec").path("ports").get(0);
        assertEquals("https", sp.path("name").asText());
        assertEquals(S3_PORT, port(gw, sp.path("targetPort")), "the Service reaches the HTTPS port");

        // without TLS: plain HTTP probes, no certificate anywhere
        JsonNode plain = container(render(null).one("Deployment"), "gateway");
        assertProbe(plain, "readinessProbe", "/health/ready", "HTTP");
        assertFalse(hasArg(plain, "--tls-cert"));
        assertTrue(plain.path("volumeMounts").findValuesAsText("name").stream().noneMatch("tls"::equals));
    }

    @Test
    void tlsWithoutASecretIsRefused() {
        String message = renderFails("""
                tls:
                  enabled: true
                """);
        assertTrue(message.contains("tls.enabled needs tls.secretName"), message);
    }

    private static void assertProbe(JsonNode container, String probe, String path, String scheme) {
        JsonNode get = container.path(probe).path("httpGet");
        assertEquals(path, get.path("path").asText(), probe);
        assertEquals(S3_PORT, port(container, get.path("port")), probe);
        assertEquals(scheme, get.path("scheme").asText(), probe + " scheme");
    }

    private static JsonNode mount(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return m;
            }
        }
        throw new AssertionError("no mount of volume " + volume);
    }

    // ---------------------------------------------------------------- external ZooKeeper

    @Test
    void externalZooKeeper() {
        String connect = "zk-a.zk:2181,zk-b.zk:2181,zk-c.zk:2181/imagegate";
        Manifests m = render("""
                zookeeper:
                  enabled: false
                  external:
                    connect: "%s"
                """.formatted(connect));
        assertTrue(m.ofKind("StatefulSet").isEmpty(), "no ZooKeeper StatefulSet");
        assertTrue(m.component("zookeeper").isEmpty(), () -> "nothing of ZooKeeper: " + Manifests.names(m.component("zookeeper")));
        assertEquals(1, m.ofKind("PodDisruptionBudget").size());
        assertEquals(1, m.ofKind("Service").size());
        JsonNode deployment = m.one("Deployment");
        assertEquals(connect, arg(container(deployment, "gateway"), "--zookeeper"));
        assertGatewayContainer(m, deployment);
        assertSecretRef(container(deployment, "gateway"), "IMAGEGATE_ZOOKEEPER_AUTH",
                RELEASE + "-imagegate-zookeeper-auth", "auth");
    }

    @Test
    void zooKeeperIdentityGivenOrTurnedOff() {
        Manifests given = render("""
                zookeeper:
                  auth:
                    user: gw
                    password: a-chosen-password
                """);
        JsonNode secret = given.get("Secret", RELEASE + "-imagegate-zookeeper-auth");
        assertEquals("gw:a-chosen-password", decode(secret.path("data").path("auth")));

        Manifests off = render("""
                zookeeper:
                  auth:
                    enabled: false
                """);
        assertTrue(off.find("Secret", RELEASE + "-imagegate-zookeeper-auth").isEmpty());
        assertTrue(env(container(off.one("Deployment"), "gateway"), "IMAGEGATE_ZOOKEEPER_AUTH").isEmpty(),
                "no identity: znodes open to the ensemble's clients, as the values say");
    }

    // ---------------------------------------------------------------- S3 chunk store, three gateways

    @Test
    void s3ChunkStoreWithThreeGateways() {
        Manifests m = render("""
                replicaCount: 3
                auth:
                  existingSecret: imagegate-root-keys
                  accessKeyKey: AK
                  secretKeyKey: SK
                zookeeper:
                  auth:
                    existingSecret: zk-identity
                    key: digest
                chunks:
                  mode: s3
                  s3:
                    bucket: images-chunks
                    prefix: gw/
                    endpoint: http://minio.storage.svc:9000
                    existingSecret: minio-credentials
                    accessKeyKey: rootUser
                    secretKeyKey: rootPassword
                    cache:
                      memoryMb: 512
                      disk:
                        enabled: true
                        sizeMb: 2048
                podDisruptionBudget:
                  minAvailable: 2
                  maxUnavailable: ""
                """);
        JsonNode deployment = m.one("Deployment");
        JsonNode gw = container(deployment, "gateway");
        assertEquals(3, deployment.path("spec").path("replicas").asInt());
        assertEquals("RollingUpdate", deployment.path("spec").path("strategy").path("type").asText());
        assertEquals(0, deployment.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt());
        assertGatewayContainer(m, deployment);

        // an existing Secret for the root keys: none rendered, referenced with the given key names
        assertTrue(m.ofKind("Secret").isEmpty(), "existing Secrets: none of the chart's own");
        assertSecretRef(gw, "IMAGEGATE_ZOOKEEPER_AUTH", "zk-identity", "digest");
        assertRootKeysFrom(gw, "imagegate-root-keys", "AK", "SK");

        // the chunk store
        assertEquals("s3://images-chunks/gw/", arg(gw, "--chunks"));
        assertEquals("http://minio.storage.svc:9000", arg(gw, "--chunks-endpoint"));
        assertEquals("512", arg(gw, "--chunks-cache-mb"));
        assertEquals("/cache", arg(gw, "--chunks-cache-dir"));
        assertEquals("2048", arg(gw, "--chunks-cache-dir-mb"));
        assertSecretRef(gw, "IMAGEGATE_CHUNKS_ACCESS_KEY", "minio-credentials", "rootUser");
        assertSecretRef(gw, "IMAGEGATE_CHUNKS_SECRET_KEY", "minio-credentials", "rootPassword");
        assertTrue(m.ofKind("PersistentVolumeClaim").isEmpty(), "no chunk volume with an S3 store");
        assertTrue(volume(deployment, "data").has("emptyDir"), "/data holds nothing durable with an S3 store");
        JsonNode cache = volume(deployment, "cache").path("emptyDir");
        assertEquals("2252Mi", cache.path("sizeLimit").asText(), "the cache's emptyDir is 10% above its bound");
        assertTrue(mountPaths(gw).containsAll(List.of("/data", "/cache", "/tmp")), "mounts " + mountPaths(gw));

        JsonNode pdb = gatewayPdb(m);
        assertEquals(2, pdb.path("spec").path("minAvailable").asInt());
        assertFalse(pdb.path("spec").has("maxUnavailable"), "a PDB takes one of minAvailable/maxUnavailable");

        assertBundledZooKeeper(m, gw, 3);
    }

    @Test
    void s3ChunkStoreWithoutKeysUsesTheAwsDefaultChain() {
        Manifests m = render("""
                replicaCount: 2
                chunks:
                  mode: s3
                  s3:
                    bucket: my-images
                serviceAccount:
                  annotations:
                    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/imagegate
                """);
        JsonNode deployment = m.one("Deployment");
        JsonNode gw = container(deployment, "gateway");
        assertEquals("s3://my-images/imagegate/", arg(gw, "--chunks"));
        assertFalse(hasArg(gw, "--chunks-endpoint"), "AWS S3: no endpoint");
        assertFalse(hasArg(gw, "--chunks-cache-dir"));
        assertTrue(env(gw, "IMAGEGATE_CHUNKS_ACCESS_KEY").isEmpty() && env(gw, "IMAGEGATE_CHUNKS_SECRET_KEY").isEmpty(),
                "no backend keys: the AWS default chain applies");
        JsonNode sa = m.one("ServiceAccount");
        assertEquals(name(sa), deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText());
        assertEquals("arn:aws:iam::123456789012:role/imagegate",
                sa.path("metadata").path("annotations").path("eks.amazonaws.com/role-arn").asText());
    }

    // ---------------------------------------------------------------- local volume

    @Test
    void localVolumeWithOneReplica() {
        Manifests m = render("""
                replicaCount: 1
                auth:
                  accessKey: AKIAIMAGEGATEEXAMPLE
                  secretKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
                chunks:
                  mode: volume
                  volume:
                    existingClaim: images-pv-claim
                """);
        JsonNode deployment = m.one("Deployment");
        assertEquals(1, deployment.path("spec").path("replicas").asInt());
        assertTrue(m.ofKind("PersistentVolumeClaim").isEmpty(), "an existing claim: none rendered");
        assertEquals("images-pv-claim", volume(deployment, "data").path("persistentVolumeClaim").path("claimName").asText());
        JsonNode secret = m.get("Secret", RELEASE + "-imagegate-root");
        assertEquals("AKIAIMAGEGATEEXAMPLE", decode(secret.path("data").path("access-key")));
        assertEquals("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", decode(secret.path("data").path("secret-key")));
        assertRootKeysFrom(container(deployment, "gateway"), name(secret), "access-key", "secret-key");
        assertGatewayContainer(m, deployment);
    }

    @Test
    void localVolumeWithThreeReplicasIsRefused() {
        String message = renderFails("""
                replicaCount: 3
                chunks:
                  mode: volume
                """);
        assertTrue(message.contains("chunks.mode=volume") && message.contains("replicaCount=3")
                        && message.contains("chunks.mode=s3"),
                () -> "the refusal says what is wrong and what to do instead: " + message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            s3 without a bucket              | chunks: {mode: s3}                                              | chunks.s3.bucket
            no ZooKeeper at all              | zookeeper: {enabled: false}                                     | zookeeper.external.connect
            both ZooKeepers                  | zookeeper: {enabled: true, external: {connect: 'zk:2181'}}      | not both
            an even ensemble                 | zookeeper: {replicas: 4}                                        | zookeeper.replicas must be odd
            both PDB bounds                  | podDisruptionBudget: {minAvailable: 1, maxUnavailable: 1}       | only one of podDisruptionBudget
            half of the root keys            | auth: {accessKey: AKIAEXAMPLE}                                  | auth.secretKey
            a chunk size off the powers of 2 | gateway: {chunkSize: 100000}                                    | gateway.chunkSize
            a short ZooKeeper password       | zookeeper: {auth: {password: short}}                            | /zookeeper/auth/password
            a ZooKeeper user with a colon    | zookeeper: {auth: {user: 'a:b'}}                                | /zookeeper/auth/user
            an unknown chunk store (schema) | chunks: {mode: nfs}                                             | /chunks/mode
            """)
    void refusesBrokenCombinations(String what, String values, String expected) {
        String message = renderFails(values);
        assertTrue(message.contains(expected), () -> what + ": expected a message naming " + expected + ", got: " + message);
    }

    // ---------------------------------------------------------------- shared assertions

    /** Probes, ports, Service, resources and security of the gateway Deployment, in any value set. */
    private static void assertGatewayContainer(Manifests m, JsonNode deployment) {
        JsonNode pod = deployment.path("spec").path("template");
        JsonNode gw = container(deployment, "gateway");
        assertSelects(deployment.path("spec").path("selector").path("matchLabels"), pod.path("metadata").path("labels"), "Deployment");
        assertAll("gateway container",
                () -> assertEquals(List.of("serve"), strings(gw.path("args")).subList(0, 1), "args start with serve (the image's CMD is replaced)"),
                () -> assertEquals("/data", arg(gw, "--data")),
                () -> assertEquals(String.valueOf(S3_PORT), arg(gw, "--port")),
                () -> assertEquals("0.0.0.0", arg(gw, "--host")),
                () -> assertTrue(gw.path("image").asText().matches("[^:]+:.+"), "image with a tag: " + gw.path("image")),
                () -> assertEquals(S3_PORT, port(gw, textNode("http")), "container port named http"),
                () -> assertEquals(1, gw.path("ports").size()),
                () -> assertEquals("/health/ready", gw.path("readinessProbe").path("httpGet").path("path").asText()),
                () -> assertEquals(S3_PORT, port(gw, gw.path("readinessProbe").path("httpGet").path("port"))),
                () -> assertEquals("/health/live", gw.path("livenessProbe").path("httpGet").path("path").asText()),
                () -> assertEquals(S3_PORT, port(gw, gw.path("livenessProbe").path("httpGet").path("port"))),
                () -> assertEquals("/health/live", gw.path("startupProbe").path("httpGet").path("path").asText()),
                () -> assertEquals(S3_PORT, port(gw, gw.path("startupProbe").path("httpGet").path("port"))),
                () -> assertResources(gw),
                () -> assertNonRoot(pod.path("spec").path("securityContext"), gw.path("securityContext")),
                () -> assertTrue(gw.path("securityContext").path("readOnlyRootFilesystem").asBoolean()),
                () -> assertTrue(mountPaths(gw).contains("/tmp"), "a writable /tmp under a read-only root"),
                () -> assertEquals("/metrics", pod.path("metadata").path("annotations").path("prometheus.io/path").asText()),
                () -> assertEquals(String.valueOf(S3_PORT), pod.path("metadata").path("annotations").path("prometheus.io/port").asText()));

        JsonNode service = m.get("Service", name(deployment));
        JsonNode sp = service.path("spec").path("ports").get(0);
        assertEquals(1, service.path("spec").path("ports").size());
        assertEquals(S3_PORT, sp.path("port").asInt());
        assertEquals(S3_PORT, port(gw, sp.path("targetPort")), "the Service reaches the container's S3 port");
        assertSelects(service.path("spec").path("selector"), pod.path("metadata").path("labels"), "gateway Service");
        assertSelects(gatewayPdb(m).path("spec").path("selector").path("matchLabels"), pod.path("metadata").path("labels"), "gateway PDB");
    }

    /** The bundled ensemble: a StatefulSet of {@code n}, its Services and PDB, and the gateway pointed at every server. */
    private static void assertBundledZooKeeper(Manifests m, JsonNode gw, int n) {
        JsonNode sts = m.one("StatefulSet");
        String stsName = name(sts);
        assertEquals(RELEASE + "-imagegate-zookeeper", stsName);
        assertEquals(n, sts.path("spec").path("replicas").asInt());
        assertEquals("Parallel", sts.path("spec").path("podManagementPolicy").asText());
        JsonNode pod = sts.path("spec").path("template");
        assertSelects(sts.path("spec").path("selector").path("matchLabels"), pod.path("metadata").path("labels"), "StatefulSet");

        // headless Service: the servers' stable names, published before readiness
        String headlessName = sts.path("spec").path("serviceName").asText();
        JsonNode headless = m.get("Service", headlessName);
        assertEquals("None", headless.path("spec").path("clusterIP").asText());
        assertTrue(headless.path("spec").path("publishNotReadyAddresses").asBoolean());
        assertEquals(Set.of(2181, 2888, 3888), Set.copyOf(headless.path("spec").path("ports").findValuesAsText("port").stream().map(Integer::valueOf).toList()));
        assertSelects(headless.path("spec").path("selector"), pod.path("metadata").path("labels"), "headless Service");
        // client Service
        JsonNode client = m.get("Service", stsName);
        assertEquals(2181, client.path("spec").path("ports").get(0).path("port").asInt());
        assertSelects(client.path("spec").path("selector"), pod.path("metadata").path("labels"), "ZooKeeper client Service");
        // PDB keeps the quorum
        JsonNode pdb = m.get("PodDisruptionBudget", stsName);
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt());
        assertSelects(pdb.path("spec").path("selector").path("matchLabels"), pod.path("metadata").path("labels"), "ZooKeeper PDB");

        // the official image, configured through ZOO_SERVERS and a ZOO_MY_ID from the ordinal
        JsonNode zk = container(sts, "zookeeper");
        assertTrue(zk.path("image").asText().startsWith("zookeeper:"), "official zookeeper image: " + zk.path("image"));
        List<String> hosts = IntStream.range(0, n)
                .mapToObj(i -> stsName + "-" + i + "." + headlessName + "." + NAMESPACE + ".svc.cluster.local")
                .toList();
        String zooServers = env(zk, "ZOO_SERVERS").orElseThrow().path("value").asText();
        assertEquals(IntStream.range(0, n).mapToObj(i -> "server." + (i + 1) + "=" + hosts.get(i) + ":2888:3888;2181").toList(),
                List.of(zooServers.split(" ")));
        String command = String.join(" ", strings(zk.path("command")));
        assertTrue(command.contains("ZOO_MY_ID=$(( ${HOSTNAME##*-} + 1 ))") && command.contains("/docker-entrypoint.sh zkServer.sh start-foreground"),
                "server id from the pod ordinal, then the image's entrypoint: " + command);
        assertEquals("false", env(zk, "ZOO_STANDALONE_ENABLED").orElseThrow().path("value").asText());
        assertEquals("/data", env(zk, "ZOO_DATA_DIR").orElseThrow().path("value").asText());
        assertEquals(Set.of(2181, 2888, 3888, 8080), Set.copyOf(zk.path("ports").findValuesAsText("containerPort").stream().map(Integer::valueOf).toList()));
        assertEquals("/commands/ruok", zk.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals(8080, port(zk, zk.path("readinessProbe").path("httpGet").path("port")));
        assertEquals(8080, port(zk, zk.path("livenessProbe").path("httpGet").path("port")));
        assertResources(zk);
        assertNonRoot(pod.path("spec").path("securityContext"), zk.path("securityContext"));
        // one PVC per server, mounted at the data directory
        JsonNode claim = sts.path("spec").path("volumeClaimTemplates").get(0);
        assertEquals("data", claim.path("metadata").path("name").asText());
        assertTrue(claim.path("spec").path("resources").path("requests").hasNonNull("storage"));
        assertTrue(zk.path("volumeMounts").findValuesAsText("mountPath").contains("/data"));

        // the gateway names every server
        assertEquals(String.join(",", hosts.stream().map(h -> h + ":2181").toList()), arg(gw, "--zookeeper"));
    }

    private static void assertRootKeysFrom(JsonNode gw, String secret, String accessKey, String secretKey) {
        assertSecretRef(gw, "IMAGEGATE_ACCESS_KEY", secret, accessKey);
        assertSecretRef(gw, "IMAGEGATE_SECRET_KEY", secret, secretKey);
    }

    private static void assertSecretRef(JsonNode container, String variable, String secret, String key) {
        JsonNode ref = env(container, variable).orElseThrow(() -> new AssertionError(variable + " not set"))
                .path("valueFrom").path("secretKeyRef");
        assertEquals(secret, ref.path("name").asText(), variable + " from Secret");
        assertEquals(key, ref.path("key").asText(), variable + " from key");
    }

    private static void assertResources(JsonNode container) {
        for (String kind : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
                assertFalse(container.path("resources").path(kind).path(resource).asText().isBlank(),
                        () -> container.path("name").asText() + ": resources." + kind + "." + resource);
            }
        }
    }

    private static void assertNonRoot(JsonNode podSecurity, JsonNode containerSecurity) {
        assertTrue(podSecurity.path("runAsNonRoot").asBoolean(), "runAsNonRoot");
        assertNotEquals(0, podSecurity.path("runAsUser").asInt(0), "runAsUser is not root");
        assertTrue(podSecurity.path("runAsUser").isInt(), "an explicit runAsUser");
        assertFalse(containerSecurity.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation false");
        assertEquals(List.of("ALL"), strings(containerSecurity.path("capabilities").path("drop")));
    }

    private static JsonNode gatewayPdb(Manifests m) {
        return m.get("PodDisruptionBudget", RELEASE + "-imagegate");
    }

    private static JsonNode volume(JsonNode workload, String name) {
        for (JsonNode v : workload.path("spec").path("template").path("spec").path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name + " in " + name(workload));
    }

    private static List<String> mountPaths(JsonNode container) {
        return container.path("volumeMounts").findValuesAsText("mountPath");
    }

    private static String decode(JsonNode b64) {
        return new String(Base64.getDecoder().decode(b64.asText()), StandardCharsets.UTF_8);
    }

    private static JsonNode textNode(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s);
    }

    // ---------------------------------------------------------------- rendering

    /** {@code helm template demo CHART -n images --kube-version 1.31.0 [-f values]}, parsed. */
    private Manifests render(String values) {
        String out = template(values).call();
        return Manifests.parse(out);
    }

    private String renderFails(String values) {
        Exception e = assertThrows(Exception.class, () -> template(values).call(), "rendering must fail for:\n" + values);
        return String.valueOf(e.getMessage());
    }

    private TemplateCommand template(String values) {
        TemplateCommand t = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        if (values != null) {
            try {
                Path file = Files.createTempFile(tmp, "values-", ".yaml");
                Files.writeString(file, values);
                t = t.withValuesFile(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return t;
    }
}
