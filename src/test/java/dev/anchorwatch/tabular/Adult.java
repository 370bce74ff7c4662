package dev.anchorwatch.tabular;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The vendored Adult demo data, loaded once per test JVM (tests only: the package itself stays JDK-only). */
final class Adult {
    static final String DIR = "/demo/adult/";
    static final JsonNode META = json("adult_meta.json");
    static final JsonNode DISCRETIZER = json("adult_discretizer.json");
    static final Map<Integer, List<String>> CATEGORY_MAP = categoryMap();
    static final TabularData TRAIN = load("adult_train.csv");
    static final TabularData TEST = load("adult_test.csv");

    /** Test row 0, the instance of KServe's income example: predicted <=50K. */
    static final double[] TEST_ROW_0 = {52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9};

    static final int AGE = 0;
    static final int MARITAL_STATUS = 3;
    static final int SEX = 7;
    static final int CAPITAL_GAIN = 8;
    static final int CAPITAL_LOSS = 9;
    static final int HOURS = 10;

    private Adult() {
    }

    static InputStream open(String file) {
        InputStream in = Adult.class.getResourceAsStream(DIR + file);
        if (in == null) {
            throw new IllegalStateException("missing resource " + DIR + file);
        }
        return in;
    }

    private static JsonNode json(String file) {
        try (InputStream in = open(file)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<Integer, List<String>> categoryMap() {
        Map<Integer, List<String>> map = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = META.get("category_map").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> names = new ArrayList<>();
            e.getValue().forEach(n -> names.add(n.asText()));
            map.put(Integer.parseInt(e.getKey()), names);
        }
        return map;
    }

    private static TabularData load(String file) {
        try (InputStream in = open(file)) {
            return TabularData.fromCsv(in, CATEGORY_MAP, "label");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
