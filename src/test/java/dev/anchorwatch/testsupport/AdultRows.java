package dev.anchorwatch.testsupport;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Rows of the vendored Adult test set ({@code demo/adult/adult_test.csv}): 12 features and the label. */
public final class AdultRows {

    private AdultRows() {
    }

    /** The first {@code n} rows (fewer if the file has fewer). */
    public static List<int[]> first(int n) throws Exception {
        List<int[]> rows = new ArrayList<>();
        try (InputStream in = AdultRows.class.getClassLoader().getResourceAsStream("demo/adult/adult_test.csv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.readLine();
            for (String line = r.readLine(); line != null && rows.size() < n; line = r.readLine()) {
                rows.add(Arrays.stream(line.split(",")).mapToInt(Integer::parseInt).toArray());
            }
        }
        return rows;
    }
}
