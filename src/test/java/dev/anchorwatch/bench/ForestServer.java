package dev.anchorwatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.ReferenceForest;

/**
 * The reference forest served over KServe V1 by {@link ModelServer} in a child JVM, so the explainer's
 * predictor is in another process, as a deployed model is. The child prints {@code READY <base url>} once it
 * listens on loopback, and {@code SERVED <requests> <rows>} when its standard input closes, then exits (so it
 * also ends when the parent dies).
 */
final class ForestServer implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    final String baseUrl;

    private ForestServer(Process process, BufferedReader out, String baseUrl) {
        this.process = process;
        this.out = out;
        this.baseUrl = baseUrl;
    }

    /** Child side. */
    public static void main(String[] args) throws Exception {
        ReferenceForest forest = ReferenceForest.load(Path.of(args[0]));
        try (ModelServer server = ModelServer.builder().host("127.0.0.1").port(0).model("adult", forest).start()) {
            System.out.println("READY " + server.baseUrl());
            System.out.flush();
            while (System.in.read() >= 0) { // until the parent closes our stdin (or dies)
                // nothing to read: the parent never writes
            }
            System.out.println("SERVED " + server.requests() + " " + server.rows());
            System.out.flush();
        }
        System.exit(0);
    }

    /** Parent side: starts the child with this JVM's java and the benchmark's class path. */
    static ForestServer start(Path forest) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(classPath());
        command.add(ForestServer.class.getName());
        command.add(forest.toAbsolutePath().toString());
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("READY ")) {
            p.destroyForcibly();
            throw new IOException("model server child did not start: " + line);
        }
        return new ForestServer(p, out, line.substring("READY ".length()).trim());
    }

    /** Under exec:java the class path is the plugin's class loader's, not java.class.path. */
    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (ClassLoader cl = ForestServer.class.getClassLoader(); cl != null; cl = cl.getParent()) {
            if (cl instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (Exception e) {
                        throw new IllegalStateException("class path entry " + url, e);
                    }
                }
            }
        }
        return entries.isEmpty() ? System.getProperty("java.class.path")
                : String.join(java.io.File.pathSeparator, entries);
    }

    long pid() {
        return process.pid();
    }

    /** Stops the child; returns its {@code SERVED} line. */
    String stop() throws Exception {
        process.getOutputStream().close();
        String line = out.readLine();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return line;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
