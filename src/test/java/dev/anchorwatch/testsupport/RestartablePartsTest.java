package dev.anchorwatch.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The fault test's outages are real: a stopped broker or database refuses, and comes back with its data. */
class RestartablePartsTest {

    @Test
    void theBrokerComesBackOnItsPortWithItsRecords() throws Exception {
        try (InJvmKafka kafka = InJvmKafka.start()) {
            try (KafkaLoggerEvents events = new KafkaLoggerEvents(kafka.bootstrapServers())) {
                events.send("restart", "a", new RecordHeaders(), "before".getBytes(StandardCharsets.UTF_8));
            }
            kafka.stopBroker();
            kafka.startBroker();
            try (KafkaLoggerEvents events = new KafkaLoggerEvents(kafka.bootstrapServers())) {
                events.send("restart", "b", new RecordHeaders(), "after".getBytes(StandardCharsets.UTF_8));
                List<String> values = events.readAll("restart", Duration.ofSeconds(30), got -> got.size() >= 2).stream()
                        .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
                assertEquals(List.of("before", "after"), values);
            }
        }
    }

    @Test
    void theDatabaseComesBackOnItsPortWithItsRows() throws Exception {
        Path dir = Files.createTempDirectory("restartable-pg");
        try (RestartablePostgres pg = RestartablePostgres.start(dir.resolve("data"))) {
            try (Connection c = pg.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("create table t (x int)");
                s.execute("insert into t values (42)");
            }
            pg.stop();
            assertThrows(SQLException.class, () -> pg.dataSource().getConnection().close());
            pg.startAgain();
            try (Connection c = pg.dataSource().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select x from t")) {
                rs.next();
                assertEquals(42, rs.getInt(1));
            }
        }
    }
}
