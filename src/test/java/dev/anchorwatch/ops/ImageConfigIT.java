package dev.anchorwatch.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.PackagedApp;

/**
 * What the container image would be, checked where no base image can be pulled: the Jib configuration (base image
 * a JDK 21+ runtime, a non-root user, port 8080, JVM arguments keeping writes in /tmp, the product's environment
 * with the demo off), the packaged layout Jib copies, and the packaged app run with the image's environment:
 * it starts, serves no demo model and opens no demo model server.
 */
class ImageConfigIT {

    static Properties config() throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    /** The image's environment variables, as quarkus.jib.environment-variables."NAME" declares them. */
    static Map<String, String> imageEnvironment(Properties p) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern key = Pattern.compile("quarkus\\.jib\\.environment-variables\\.\"?([A-Z0-9_]+)\"?");
        for (String name : p.stringPropertyNames()) {
            Matcher m = key.matcher(name);
            if (m.matches()) {
                env.put(m.group(1), p.getProperty(name));
            }
        }
        return env;
    }

    @Test
    void theImageIsAJdk21RuntimeRunAsNonRootWithTheDemoOff() throws Exception {
        Properties p = config();
        Matcher jdk = Pattern.compile("openjdk-(\\d+)-runtime").matcher(p.getProperty("quarkus.jib.base-jvm-image"));
        assertTrue(jdk.find(), p.getProperty("quarkus.jib.base-jvm-image"));
        assertTrue(Integer.parseInt(jdk.group(1)) >= 21, "a JDK 21+ runtime");
        String user = p.getProperty("quarkus.jib.user");
        assertTrue(user.matches("[1-9][0-9]*"), "a numeric non-root user (runAsNonRoot can check it): " + user);
        assertEquals("8080", p.getProperty("quarkus.jib.ports"));
        List<String> jvm = Arrays.asList(p.getProperty("quarkus.jib.jvm-additional-arguments").split(","));
        assertTrue(jvm.contains("-Djava.io.tmpdir=/tmp"), "temporary files go to the /tmp volume: " + jvm);
        Map<String, String> env = imageEnvironment(p);
        assertEquals("false", env.get("ANCHORWATCH_DEMO_ENABLED"));
        assertTrue(env.get("ANCHORWATCH_SINKS_LOG_FILE").startsWith("/tmp/"), "nothing written into the app dir");
        assertTrue(p.getProperty("quarkus.container-image.name").equals("anchorwatch"));
    }

    @Test
    void thePackagedLayoutJibCopiesExists() {
        Path app = Path.of("target", "quarkus-app");
        for (String part : List.of("quarkus-run.jar", "app", "lib/main", "lib/boot", "quarkus")) {
            assertTrue(Files.exists(app.resolve(part)), app.resolve(part) + " is missing: run ./mvnw -ntp package");
        }
    }

    @Test
    void thePackagedAppRunsWithTheImagesEnvironment() throws Exception {
        Map<String, String> env = imageEnvironment(config());
        Map<String, String> system = new LinkedHashMap<>();
        // environment variable names as MicroProfile Config maps them to keys
        env.forEach((k, v) -> system.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v));
        system.put("anchorwatch.sinks.log.file", "target/image-config-it.jsonl");
        // a product has its own specs (readiness is DOWN without any explainer): one spec, whose predictor is
        // never called here, with the training data shipped in the jar
        Path specs = Path.of("target", "image-config-it-specs");
        Files.createDirectories(specs);
        Files.writeString(specs.resolve("income.yaml"), """
                name: income
                type: AnchorTabular
                predictor:
                  url: http://127.0.0.1:9
                data:
                  training: classpath:demo/adult/adult_train.csv
                  label_column: label
                """);
        system.put("anchorwatch.specs", specs.toString());
        try (PackagedApp app = PackagedApp.start(PackagedApp.JAR, "image-config-it", List.of("-Xmx256m"), system)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(app.uri("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode());
            assertTrue(models.body().replace(" ", "").startsWith("{\"models\":[\"income\"],"),
                    "only the spec's model, no demo model: " + models.body());
            String log = Files.readString(app.log());
            assertFalse(log.contains("demo model"), "the demo never started: see " + app.log());
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(app.uri("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().contains("anchorwatch_workers_busy"), "metrics are served");
        }
    }
}
