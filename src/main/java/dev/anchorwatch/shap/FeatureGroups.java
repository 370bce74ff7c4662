package dev.anchorwatch.shap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Columns that enter or leave a coalition together (e.g. the one-hot columns of one category), each with a name;
 * SHAP values are given per group. Every column belongs to exactly one group.
 */
public final class FeatureGroups {
    private final List<String> names;
    private final int[][] columns;

    private FeatureGroups(List<String> names, int[][] columns) {
        this.names = List.copyOf(names);
        this.columns = columns;
    }

    /** One group per column, named as the columns. */
    public static FeatureGroups singletons(List<String> featureNames) {
        int[][] cols = new int[featureNames.size()][];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = new int[] {i};
        }
        return new FeatureGroups(featureNames, cols);
    }

    /**
     * Named groups of columns.
     *
     * @throws IllegalArgumentException when a column is in no group or in two, an index is out of range, a group is
     *                                  empty, or names and groups differ in number
     */
    public static FeatureGroups of(List<String> names, List<int[]> groups, int columnCount) {
        if (names.size() != groups.size()) {
            throw new IllegalArgumentException(names.size() + " group names for " + groups.size() + " groups");
        }
        int[] owner = new int[columnCount];
        Arrays.fill(owner, -1);
        int[][] cols = new int[groups.size()][];
        for (int g = 0; g < groups.size(); g++) {
            int[] c = groups.get(g);
            if (c.length == 0) {
                throw new IllegalArgumentException("group '" + names.get(g) + "' has no columns");
            }
            for (int col : c) {
                if (col < 0 || col >= columnCount) {
                    throw new IllegalArgumentException("group '" + names.get(g) + "' names column " + col
                            + ", outside 0.." + (columnCount - 1));
                }
                if (owner[col] >= 0) {
                    throw new IllegalArgumentException("column " + col + " is in groups '" + names.get(owner[col])
                            + "' and '" + names.get(g) + "'");
                }
                owner[col] = g;
            }
            cols[g] = c.clone();
        }
        List<Integer> missing = new ArrayList<>();
        for (int col = 0; col < columnCount; col++) {
            if (owner[col] < 0) {
                missing.add(col);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("columns " + missing + " are in no group");
        }
        return new FeatureGroups(names, cols);
    }

    public int size() {
        return columns.length;
    }

    public List<String> names() {
        return names;
    }

    public int[] columns(int group) {
        return columns[group].clone();
    }

    int[] columnsUnsafe(int group) {
        return columns[group];
    }

    public int columnCount() {
        int n = 0;
        for (int[] c : columns) {
            n += c.length;
        }
        return n;
    }

    /** True when every group is one column, in order. */
    public boolean trivial() {
        for (int g = 0; g < columns.length; g++) {
            if (columns[g].length != 1 || columns[g][0] != g) {
                return false;
            }
        }
        return true;
    }
}
