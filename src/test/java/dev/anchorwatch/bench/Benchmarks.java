package dev.anchorwatch.bench;

import java.util.Arrays;

/**
 * Benchmark commands; each prints its figures. Run with
 * {@code ./mvnw -q -Pbench test-compile exec:java -Dbench=NAME -Dbench.args="..."} ({@code events-app} runs the
 * packaged app: {@code package} instead of {@code test-compile}); see docs/benchmarks.md.
 */
public final class Benchmarks {
    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "adult" -> AdultBenchmark.main(rest);
                case "text" -> TextBenchmark.main(rest);
                case "events" -> EventPipelineBenchmark.main(rest);
                case "events-app" -> AppEventPipelineBenchmark.main(rest);
                case "image" -> ImageBenchmark.main(rest);
                case "soak" -> SoakBenchmark.main(rest);
                case "shap" -> ShapBenchmark.main(rest);
                case "aot" -> AotStartupBenchmark.main(rest);
                case "viewer" -> ViewerBenchmark.main(rest);
                default -> usage();
            }
        } catch (Throwable t) {
            // exec:java waits for non-daemon threads (client pools, ...) before reporting a failure: it would hang
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void usage() {
        System.err.println("benchmarks: adult PATH_TO_adult_rf.json [--rows N] [--passes N] [--no-http]");
        System.err.println("            text [--passes N] [--no-http] [--perturb-punctuation]");
        System.err.println("            events [--events N] [--warmup N] [--concurrency N]");
        System.err.println("            events-app [--events N] [--warmup N] [--concurrency N] [--jar PATH] [--scenario both|http|kafka]");
        System.err.println("                       [--set APP_PROPERTY=VALUE]...");
        System.err.println("            image [--passes N] [--large N] [--no-http] [--large-only] [--large-segments 10,50]");
        System.err.println("            soak [--duration 10m] [--every 30s] [--clients N] [--max-events N] [--heap 512m] [--jar PATH]");
        System.err.println("            shap PATH_TO_adult_rf.json [--rows N] [--passes N] [--no-http]");
        System.err.println("            aot [--java JDK25/bin/java] [--jar PATH] [--runs N]   (after package)");
        System.err.println("            viewer [--rows N] [--passes N]");
        System.exit(2);
    }
}
