package dev.anchorwatch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.ingest.InferenceEvent;
import dev.anchorwatch.publish.ExplanationRecord;
import io.fabric8.knative.duck.v1.DeliverySpec;
import io.fabric8.knative.duck.v1.KReference;
import io.fabric8.knative.eventing.v1.Broker;
import io.fabric8.knative.eventing.v1.Trigger;
import io.fabric8.knative.eventing.v1alpha1.KafkaSink;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * Every manifest in knative/ and deploy/ parses into fabric8's Kubernetes and Knative models (KServe's
 * InferenceService, which fabric8 does not model, as a generic resource), and the pieces fit together: loggers
 * point at the Broker or the KafkaSink, Triggers filter the logger types and deliver to Anchorwatch with retries
 * and a dead-letter sink, explanations are routed on, and the ExplainerSpecs are mounted where ANCHORWATCH_SPECS
 * says and describe the models the InferenceServices serve.
 */
class ManifestsTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("eventing.knative.dev/v1 Broker", Broker.class),
            Map.entry("eventing.knative.dev/v1 Trigger", Trigger.class),
            Map.entry("eventing.knative.dev/v1alpha1 KafkaSink", KafkaSink.class),
            Map.entry("serving.knative.dev/v1 Service", io.fabric8.knative.serving.v1.Service.class),
            Map.entry("v1 ConfigMap", ConfigMap.class),
            Map.entry("v1 Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("apps/v1 Deployment", Deployment.class),
            Map.entry("networking.k8s.io/v1 NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
            Map.entry("policy/v1 PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
            Map.entry("autoscaling/v2 HorizontalPodAutoscaler", io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
            Map.entry("serving.kserve.io/v1beta1 InferenceService", GenericKubernetesResource.class));
    static final String KUSTOMIZATION = "kustomize.config.k8s.io/v1beta1 Kustomization";

    static List<HasMetadata> knative;
    static List<HasMetadata> deploy;
    /** deploy/explainer/: Anchorwatch as an InferenceService's own explainer container. */
    static List<HasMetadata> explainer;

    @BeforeAll
    static void parse() throws IOException {
        knative = load(Path.of("knative"));
        deploy = load(Path.of("deploy"));
        explainer = load(Path.of("deploy", "explainer"));
    }

    static List<HasMetadata> load(Path dir) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests in " + dir);
        for (Path f : files) {
            try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                while (docs.hasNext()) {
                    JsonNode doc = docs.next();
                    if (doc == null || doc.isEmpty()) {
                        continue;
                    }
                    String key = doc.path("apiVersion").asText() + " " + doc.path("kind").asText();
                    if (KUSTOMIZATION.equals(key)) {
                        continue; // checked by kustomizationsListTheManifests
                    }
                    Class<? extends HasMetadata> type = KINDS.get(key);
                    assertNotNull(type, f + ": unexpected resource " + key);
                    HasMetadata r = YAML.treeToValue(doc, type);
                    if (!(r instanceof GenericKubernetesResource)) {
                        noUnknownFields(r, f + ": " + key);
                    }
                    assertEquals("anchorwatch", r.getMetadata().getNamespace(), f + ": " + key);
                    out.add(r);
                }
            }
        }
        return out;
    }

    /**
     * fabric8's models keep fields they do not know in additionalProperties instead of failing: a misspelt field
     * (say {@code deadLetterSnk}) would pass unnoticed, and be ignored by the cluster too. So none may be there.
     */
    static void noUnknownFields(Object o, String path) {
        if (o == null) {
            return;
        }
        if (o instanceof java.util.Collection<?> c) {
            c.forEach(e -> noUnknownFields(e, path + "[]"));
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> noUnknownFields(v, path + "." + k));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (java.lang.reflect.Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(path + "." + m.getName(), e);
            }
            if (m.getName().equals("getAdditionalProperties")) {
                assertTrue(value == null || ((Map<?, ?>) value).isEmpty(),
                        path + ": fields unknown to the " + o.getClass().getSimpleName() + " model: " + value);
            } else {
                noUnknownFields(value, path + "." + m.getName().substring(3));
            }
        }
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> resources, Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> resources, Class<T> type, String name) {
        List<T> found = all(resources, type).stream().filter(r -> name.equals(r.getMetadata().getName())).toList();
        assertEquals(1, found.size(), type.getSimpleName() + " " + name);
        return found.get(0);
    }

    static GenericKubernetesResource inferenceService(List<HasMetadata> resources) {
        List<GenericKubernetesResource> isvcs = all(resources, GenericKubernetesResource.class).stream()
                .filter(r -> "InferenceService".equals(r.getKind())).toList();
        assertEquals(1, isvcs.size());
        return isvcs.get(0);
    }

    static JsonNode spec(GenericKubernetesResource r) {
        return YAML.valueToTree(r.getAdditionalProperties().get("spec"));
    }

    static Map<String, String> env(Container c) {
        return c.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    /** Is this reference the resource? */
    static boolean refers(KReference ref, HasMetadata target) {
        return ref != null && target.getApiVersion().equals(ref.getApiVersion()) && target.getKind().equals(ref.getKind())
                && target.getMetadata().getName().equals(ref.getName());
    }

    static void retriesWithBackoffAndDeadLetters(DeliverySpec d, List<HasMetadata> resources, String where) {
        assertNotNull(d, where + ": no delivery spec");
        assertTrue(d.getRetry() != null && d.getRetry() >= 3, where + ": retries");
        assertEquals("exponential", d.getBackoffPolicy(), where);
        assertTrue(Duration.parse(d.getBackoffDelay()).toMillis() > 0, where + ": backoff delay");
        assertNotNull(d.getDeadLetterSink(), where + ": dead-letter sink");
        KReference dls = d.getDeadLetterSink().getRef();
        assertTrue(resources.stream().anyMatch(r -> refers(dls, r)), where + ": the dead-letter sink is not defined here");
    }

    /** ANCHORWATCH_SPECS names the directory where the specs ConfigMap is mounted; the demo is off. */
    static void mountsTheSpecs(Container c, List<Volume> volumes, ConfigMap specs) {
        Map<String, String> env = env(c);
        assertEquals("false", env.get("ANCHORWATCH_DEMO_ENABLED"));
        String dir = env.get("ANCHORWATCH_SPECS");
        assertNotNull(dir, "ANCHORWATCH_SPECS");
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(dir)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at ANCHORWATCH_SPECS=" + dir));
        Volume volume = volumes.stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertEquals(specs.getMetadata().getName(), volume.getConfigMap().getName());
    }

    static ConfigMap specs() {
        return one(deploy, ConfigMap.class, "anchorwatch-specs");
    }

    @Test
    void specsAreValidExplainerSpecsForTheServedModels() throws IOException {
        Set<String> models = new java.util.HashSet<>(List.of(inferenceService(knative).getMetadata().getName(),
                inferenceService(deploy).getMetadata().getName()));
        for (Map.Entry<String, String> file : specs().getData().entrySet()) {
            ExplainerSpec spec = SpecLoader.parse(YAML.readTree(file.getValue()), "ConfigMap:" + file.getKey(), l -> l);
            assertTrue(models.contains(spec.name()), spec.name() + " is not an InferenceService here");
            URI url = spec.predictor().baseUrl();
            assertEquals(spec.name() + "-predictor.anchorwatch.svc.cluster.local", url.getHost(),
                    "the spec calls its InferenceService's predictor");
        }
    }

    @Test
    void brokerPathLoggerTriggersAnchorwatchAndOnwardRouting() {
        Broker broker = one(knative, Broker.class, "default");
        io.fabric8.knative.serving.v1.Service anchorwatch = one(knative, io.fabric8.knative.serving.v1.Service.class,
                "anchorwatch");

        JsonNode logger = spec(inferenceService(knative)).path("predictor").path("logger");
        assertEquals("all", logger.path("mode").asText());
        assertEquals("http://broker-ingress.knative-eventing.svc.cluster.local/anchorwatch/" + broker.getMetadata().getName(),
                logger.path("url").asText(), "the logger posts to the Broker");

        for (String type : List.of(InferenceEvent.REQUEST_TYPE, InferenceEvent.RESPONSE_TYPE)) {
            List<Trigger> triggers = all(knative, Trigger.class).stream()
                    .filter(t -> type.equals(t.getSpec().getFilter().getAttributes().get("type"))).toList();
            assertEquals(1, triggers.size(), "one Trigger for " + type);
            Trigger t = triggers.get(0);
            assertEquals(broker.getMetadata().getName(), t.getSpec().getBroker());
            assertTrue(refers(t.getSpec().getSubscriber().getRef(), anchorwatch), t.getMetadata().getName()
                    + " delivers to the Anchorwatch Knative Service");
            retriesWithBackoffAndDeadLetters(t.getSpec().getDelivery(), knative, t.getMetadata().getName());
        }
        retriesWithBackoffAndDeadLetters(broker.getSpec().getDelivery(), knative, "broker");

        // the explanations that Anchorwatch replies with, routed on to the KafkaSink
        Container c = anchorwatch.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("reply", env(c).get("ANCHORWATCH_INGEST_ACK_MODE"), "replies are what the Broker republishes");
        Trigger onward = all(knative, Trigger.class).stream()
                .filter(t -> ExplanationRecord.TYPE_EXPLANATION.equals(t.getSpec().getFilter().getAttributes().get("type")))
                .findFirst().orElseThrow(() -> new AssertionError("no Trigger routes explanations on"));
        KafkaSink out = one(knative, KafkaSink.class, onward.getSpec().getSubscriber().getRef().getName());
        assertTrue(refers(onward.getSpec().getSubscriber().getRef(), out));
        assertEquals("binary", out.getSpec().getContentMode());
        retriesWithBackoffAndDeadLetters(onward.getSpec().getDelivery(), knative, onward.getMetadata().getName());

        // explanations may take up to the explain timeout: the revision must wait longer
        assertTrue(anchorwatch.getSpec().getTemplate().getSpec().getTimeoutSeconds() > 120);
        mountsTheSpecs(c, anchorwatch.getSpec().getTemplate().getSpec().getVolumes(), specs());
    }

    @Test
    void kafkaSinkPathLoggerTopicAndTheKafkaIngress() {
        KafkaSink events = one(deploy, KafkaSink.class, "inference-events");
        assertEquals("binary", events.getSpec().getContentMode(), "ce_ headers, as the Kafka ingress reads them");
        JsonNode logger = spec(inferenceService(deploy)).path("predictor").path("logger");
        assertEquals("all", logger.path("mode").asText());
        assertEquals("http://kafka-sink-ingress.knative-eventing.svc.cluster.local/anchorwatch/"
                + events.getMetadata().getName(), logger.path("url").asText(), "the logger posts to the KafkaSink");

        Deployment d = one(deploy, Deployment.class, "anchorwatch");
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> env = env(c);
        assertEquals("true", env.get("ANCHORWATCH_INGEST_KAFKA_ENABLED"));
        assertEquals(events.getSpec().getTopic(), env.get("ANCHORWATCH_INGEST_KAFKA_TOPIC"), "consumes the KafkaSink's topic");
        assertTrue(events.getSpec().getBootstrapServers().contains(env.get("KAFKA_BOOTSTRAP_SERVERS")));
        assertNotNull(env.get("ANCHORWATCH_INGEST_KAFKA_DEAD_LETTER_TOPIC"));
        assertTrue(events.getSpec().getNumPartitions() >= d.getSpec().getReplicas(),
                "every replica of the consumer group gets a partition");
        assertTrue(Optional.ofNullable(env.get("ANCHORWATCH_SINKS_ENABLED")).orElse("").contains("kafka"));
        mountsTheSpecs(c, d.getSpec().getTemplate().getSpec().getVolumes(), specs());

        io.fabric8.kubernetes.api.model.Service svc = one(deploy, io.fabric8.kubernetes.api.model.Service.class, "anchorwatch");
        assertEquals(d.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
    }

    /**
     * Explainer mode: the InferenceService runs Anchorwatch as spec.explainer.containers, so that KServe's ingress
     * routes the InferenceService's own :explain to it; KServe appends --model_name, --predictor_host and
     * --http_port 8080, and the spec comes from a mounted ConfigMap without a name or predictor URL.
     */
    @Test
    void explainerModeInferenceServiceRunsAnchorwatchAsItsExplainer(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws IOException {
        GenericKubernetesResource isvc = inferenceService(explainer);
        String model = isvc.getMetadata().getName();
        JsonNode spec = spec(isvc);
        assertFalse(spec.path("predictor").isMissingNode(), "the InferenceService serves a model");
        JsonNode ex = spec.path("explainer");
        assertEquals(1, ex.path("containers").size(), "one custom explainer container");
        Container c = YAML.treeToValue(ex.path("containers").get(0), Container.class);
        noUnknownFields(c, "explainer container");
        assertEquals("kserve-container", c.getName());
        Deployment service = one(deploy, Deployment.class, "anchorwatch");
        assertEquals(service.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(), c.getImage(),
                "the same Anchorwatch image as the standalone service");
        for (String kserveArg : List.of("--model_name", "--predictor_host", "--http_port")) {
            assertTrue(c.getArgs() == null || c.getArgs().stream().noneMatch(a -> a.startsWith(kserveArg)),
                    kserveArg + " is KServe's to set: it names the InferenceService and its predictor");
        }
        assertTrue(c.getPorts() == null || c.getPorts().isEmpty()
                || c.getPorts().get(0).getContainerPort() == 8080, "KServe passes --http_port 8080");
        assertTrue(ex.path("timeout").asInt() > 60, "the explainer's request timeout exceeds the time budget");

        List<Volume> volumes = new ArrayList<>();
        for (JsonNode v : ex.path("volumes")) {
            Volume volume = YAML.treeToValue(v, Volume.class);
            noUnknownFields(volume, "explainer volume");
            volumes.add(volume);
        }
        ConfigMap specs = all(explainer, ConfigMap.class).get(0);
        mountsTheSpecs(c, volumes, specs);

        // the mounted file is the model's spec in explainer mode: found by the model's name, completed by KServe's args
        for (Map.Entry<String, String> file : specs.getData().entrySet()) {
            Files.writeString(tmp.resolve(file.getKey()), file.getValue());
        }
        assertTrue(specs.getData().containsKey(model + ".yaml"), "the spec file is named after the model");
        assertFalse(YAML.readTree(specs.getData().get(model + ".yaml")).path("predictor").has("url"),
                "the predictor URL is --predictor_host's, not the spec's");
        URI predictorHost = SpecLoader.predictorHostUrl(model + "-predictor." + isvc.getMetadata().getNamespace());
        ExplainerSpec loaded = SpecLoader.loadForModel(tmp, model, predictorHost, Optional.empty());
        assertEquals(model, loaded.name());
        assertEquals(predictorHost, loaded.predictor().baseUrl());
        assertEquals(model, loaded.predictor().modelName(), "the sklearn server serves the model under its name");
    }

    /** Which pods a NetworkPolicy admits on which ports: namespace names, or "label k=v", or "same namespace". */
    static Map<String, java.util.Set<Integer>> admitted(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy p) {
        Map<String, java.util.Set<Integer>> out = new java.util.TreeMap<>();
        for (var rule : p.getSpec().getIngress()) {
            java.util.Set<Integer> ports = new java.util.TreeSet<>();
            rule.getPorts().forEach(port -> ports.add(port.getPort().getIntVal()));
            for (var peer : rule.getFrom()) {
                String who;
                if (peer.getNamespaceSelector() != null) {
                    Map<String, String> labels = peer.getNamespaceSelector().getMatchLabels();
                    who = labels.containsKey("kubernetes.io/metadata.name") ? labels.get("kubernetes.io/metadata.name")
                            : "label " + labels;
                } else {
                    who = "same namespace";
                }
                out.computeIfAbsent(who, k -> new java.util.TreeSet<>()).addAll(ports);
            }
        }
        return out;
    }

    @Test
    void networkPoliciesAdmitOnlyTheSendersTheDocsName() {
        var plain = one(deploy, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, "anchorwatch");
        Deployment d = one(deploy, Deployment.class, "anchorwatch");
        assertEquals(d.getSpec().getSelector().getMatchLabels(), plain.getSpec().getPodSelector().getMatchLabels(),
                "selects the Deployment's pods");
        assertEquals(List.of("Ingress"), plain.getSpec().getPolicyTypes());
        assertEquals(Map.of("same namespace", java.util.Set.of(8080), "label {anchorwatch.dev/client=true}",
                java.util.Set.of(8080), "monitoring", java.util.Set.of(8080)), admitted(plain));

        var serving = one(knative, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, "anchorwatch");
        io.fabric8.knative.serving.v1.Service ksvc = one(knative, io.fabric8.knative.serving.v1.Service.class, "anchorwatch");
        assertEquals(Map.of("serving.knative.dev/service", ksvc.getMetadata().getName()),
                serving.getSpec().getPodSelector().getMatchLabels(), "selects the Knative Service's pods");
        java.util.Set<Integer> ports = java.util.Set.of(8012, 8013, 8080);
        assertEquals(Map.of("knative-eventing", ports, "knative-serving", ports, "kourier-system", ports,
                "istio-system", ports, "monitoring", ports), admitted(serving));
    }

    /** Probes, a non-root read-only container without capabilities, a writable /tmp, and resources, for both variants. */
    static void hardened(Container c, List<Volume> volumes, String where) {
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), where);
        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), where);
        io.fabric8.kubernetes.api.model.SecurityContext sc = c.getSecurityContext();
        assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), where);
        assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), where);
        assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where);
        VolumeMount tmp = c.getVolumeMounts().stream().filter(m -> "/tmp".equals(m.getMountPath())).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": no writable /tmp"));
        assertNotNull(volumes.stream().filter(v -> v.getName().equals(tmp.getName())).findFirst().orElseThrow()
                .getEmptyDir(), where + ": /tmp is an emptyDir");
        assertNotNull(c.getResources().getRequests().get("memory"), where);
        assertNotNull(c.getResources().getLimits().get("memory"), where);
    }

    @Test
    void bothVariantsAreProbedHardenedAndSized() {
        io.fabric8.knative.serving.v1.Service ksvc = one(knative, io.fabric8.knative.serving.v1.Service.class, "anchorwatch");
        Container kc = ksvc.getSpec().getTemplate().getSpec().getContainers().get(0);
        hardened(kc, ksvc.getSpec().getTemplate().getSpec().getVolumes(), "knative");
        assertEquals(Boolean.TRUE, kc.getSecurityContext().getRunAsNonRoot());
        // Knative's concurrency target is the events one replica explains at once, which is its worker count
        Map<String, String> kenv = env(kc);
        String target = ksvc.getSpec().getTemplate().getMetadata().getAnnotations().get("autoscaling.knative.dev/target");
        assertEquals(kenv.get("ANCHORWATCH_INGEST_MAX_CONCURRENT"), target);
        assertEquals(kenv.get("ANCHORWATCH_EXPLAIN_WORKERS"), target);

        Deployment d = one(deploy, Deployment.class, "anchorwatch");
        Container dc = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        hardened(dc, d.getSpec().getTemplate().getSpec().getVolumes(), "deploy");
        assertEquals(Boolean.TRUE, d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot());
        assertTrue(d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > 120,
                "the grace period outlasts anchorwatch.shutdown.drain (120s)");
        var pdb = one(deploy, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class, "anchorwatch");
        assertEquals(d.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels());
        var hpa = one(deploy, io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class, "anchorwatch");
        assertEquals("anchorwatch", hpa.getSpec().getScaleTargetRef().getName());
        KafkaSink events = one(deploy, KafkaSink.class, "inference-events");
        assertTrue(hpa.getSpec().getMaxReplicas() <= events.getSpec().getNumPartitions(),
                "no more consumers than partitions");

        Broker broker = one(knative, Broker.class, "default");
        assertEquals("MTChannelBasedBroker", broker.getMetadata().getAnnotations().get("eventing.knative.dev/broker.class"),
                "the Broker class is pinned");
    }

    @Test
    void kustomizationsListTheManifests() throws IOException {
        for (String dir : List.of("knative", "deploy")) {
            JsonNode k = YAML.readTree(Path.of(dir, "kustomization.yaml").toFile());
            Set<String> listed = new java.util.TreeSet<>();
            k.path("resources").forEach(r -> listed.add(r.asText()));
            for (String r : listed) {
                assertTrue(Files.exists(Path.of(dir, r)), dir + "/kustomization.yaml lists a missing " + r);
            }
            assertEquals("anchorwatch", k.path("namespace").asText());
            assertEquals("ghcr.io/anchorwatch/anchorwatch", k.path("images").get(0).path("name").asText());
        }
        try (Stream<Path> overlays = Files.list(Path.of("overlays"))) {
            for (Path overlay : overlays.toList()) {
                JsonNode k = YAML.readTree(overlay.resolve("kustomization.yaml").toFile());
                assertFalse(k.path("namespace").asText().isEmpty(), overlay + " sets the namespace");
                assertFalse(k.path("images").isEmpty(), overlay + " sets the image");
                k.path("resources").forEach(r -> assertTrue(Files.isDirectory(overlay.resolve(r.asText())),
                        overlay + ": base " + r.asText() + " is missing"));
                // kustomize refuses an overlay inside its own base ("cycle detected"): they are siblings
                k.path("resources").forEach(r -> assertFalse(overlay.toAbsolutePath().normalize()
                        .startsWith(overlay.resolve(r.asText()).toAbsolutePath().normalize()),
                        overlay + " lies inside its base " + r.asText()));
                // a patch without a target matches only resources without a namespace; the bases set theirs
                k.path("patches").forEach(pt -> assertFalse(pt.path("target").isMissingNode(),
                        overlay + ": patch " + pt + " needs a target (kind and name)"));
            }
        }
        // the generated specs ConfigMap gets a hash suffix; kustomize writes it into a Deployment's volume by itself,
        // into a Knative Service's only when told where (else the Service mounts a ConfigMap that does not exist)
        Path knativeOverlay = Path.of("overlays", "knative-broker");
        JsonNode k = YAML.readTree(knativeOverlay.resolve("kustomization.yaml").toFile());
        assertEquals("knative-names.yaml", k.path("configurations").path(0).asText());
        JsonNode ref = YAML.readTree(knativeOverlay.resolve("knative-names.yaml").toFile()).path("nameReference").path(0);
        assertEquals("ConfigMap", ref.path("kind").asText());
        assertEquals("serving.knative.dev", ref.path("fieldSpecs").path(0).path("group").asText());
        assertEquals("spec/template/spec/volumes/configMap/name", ref.path("fieldSpecs").path(0).path("path").asText());
    }
}
