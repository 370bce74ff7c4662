package dev.anchorwatch.publish;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;

/**
 * Appends each explanation as one line of JSON, the CloudEvent in structured mode (attributes, extensions and
 * the explanation under {@code data}), to a file and/or the console log. Lines are whole: one write per line
 * under a lock, and the explanation is compacted first so it holds no line break. {@link #publish} completes
 * after the line is written to the file (and, with {@code fsync}, forced to disk).
 */
public final class JsonLinesExplanationSink implements ExplanationSink {

    public static final String LOGGER = "dev.anchorwatch.explanations";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat FORMAT = new JsonFormat();

    private final FileChannel file;
    private final Path path;
    private final boolean console;
    private final boolean fsync;
    private final Logger log = Logger.getLogger(LOGGER);

    /**
     * @param path    file to append to (created with its parent folders), or null for none
     * @param console also log each line at INFO under the logger {@value #LOGGER}
     * @param fsync   force each line to disk before completing
     */
    public JsonLinesExplanationSink(Path path, boolean console, boolean fsync) throws IOException {
        if (path == null && !console) {
            throw new IllegalArgumentException("the log sink needs a file, the console, or both");
        }
        this.path = path;
        this.console = console;
        this.fsync = fsync;
        if (path != null) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } else {
            file = null;
        }
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        return append(() -> line(r));
    }

    /**
     * Appends the {@value ServedPrediction#TYPE} update event (see {@link ExplanationEvents#toServedEvent}) as one
     * line, like an explanation; consumers merge it with the explanation line by {@code subject}.
     */
    @Override
    public CompletionStage<Void> served(ServedPrediction served) {
        return append(() -> new String(FORMAT.serialize(ExplanationEvents.toServedEvent(served)), StandardCharsets.UTF_8));
    }

    /** One event as one line, to the file and the console as configured; any failure is a transient one. */
    private CompletionStage<Void> append(LineSource source) {
        try {
            String line = source.get();
            if (file != null) {
                write(line);
            }
            if (console) {
                log.info(line);
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new PublishException(name(), String.valueOf(e), true, e));
        }
    }

    @FunctionalInterface
    private interface LineSource {
        String get() throws IOException;
    }

    /** The structured-mode CloudEvent JSON, on one line. */
    static String line(ExplanationRecord r) throws IOException {
        CloudEvent event = ExplanationEvents.toCloudEvent(r);
        byte[] compact = JSON.writeValueAsBytes(JSON.readTree(r.body()));
        event = CloudEventBuilder.v1(event).withData(ExplanationEvents.CONTENT_TYPE, compact).build();
        return new String(FORMAT.serialize(event), StandardCharsets.UTF_8);
    }

    private synchronized void write(String line) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            file.write(buffer);
        }
        if (fsync) {
            file.force(false);
        }
    }

    @Override
    public String name() {
        return "log";
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("could not close " + path, e);
            }
        }
    }
}
