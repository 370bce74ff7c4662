package dev.anchorwatch.model;

import java.util.List;

/** A classifier of raw texts. Implementations are immutable and safe to call from many threads. */
public interface TextClassifier {

    /** The predicted class index of each text. */
    int[] predictAll(List<String> texts);

    int classes();
}
