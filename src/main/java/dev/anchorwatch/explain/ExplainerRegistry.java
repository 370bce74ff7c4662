package dev.anchorwatch.explain;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Explainer name → its explainer, and model → every explainer of that model. One deployment serves many models, and
 * a model may have several explainers (an AnchorTabular spec {@code adult} and a KernelShap spec {@code adult-shap}
 * with {@code model: adult}): every event of the model is explained by each of them, and {@code :explain} picks one
 * by name, or by {@code ?explainer=} among the model's.
 */
public final class ExplainerRegistry implements AutoCloseable {
    private final Map<String, ModelExplainer> explainers = new ConcurrentHashMap<>();

    public void register(ModelExplainer explainer) {
        String name = explainer.spec().name();
        ModelExplainer previous = explainers.putIfAbsent(name, explainer);
        if (previous != null) {
            throw new SpecException(explainer.spec().origin(), "name",
                    "explainer '" + name + "' is already defined by " + previous.spec().origin());
        }
    }

    /** The explainer of this name. */
    public Optional<ModelExplainer> find(String name) {
        return Optional.ofNullable(explainers.get(name));
    }

    /** Every explainer of a model (the logger's inferenceservicename), the one named as the model first, then by name. */
    public List<ModelExplainer> forModel(String model) {
        return explainers.values().stream().filter(e -> e.spec().model().equals(model))
                .sorted(Comparator.comparing((ModelExplainer e) -> !e.spec().name().equals(model))
                        .thenComparing(e -> e.spec().name()))
                .toList();
    }

    /**
     * The explainer {@code :explain} uses for a path name: the explainer of that name, else the model's only
     * explainer; an error when there is none, or several and none is named after the model.
     */
    public ModelExplainer require(String name) {
        return require(name, null);
    }

    /**
     * As {@link #require(String)}, narrowed by {@code which} (an explainer name or type, e.g. {@code KernelShap}) among
     * the explainer of that name and the model's explainers; null or blank for no narrowing.
     */
    public ModelExplainer require(String name, String which) {
        Set<ModelExplainer> candidates = new LinkedHashSet<>();
        find(name).ifPresent(candidates::add);
        candidates.addAll(forModel(name));
        if (candidates.isEmpty()) {
            throw new ExplainException(ExplainException.Kind.UNKNOWN_MODEL,
                    "no explainer for model '" + name + "' (served: " + String.join(", ", names()) + ")");
        }
        if (which == null || which.isBlank()) {
            Optional<ModelExplainer> named = find(name);
            if (named.isPresent()) {
                return named.get();
            }
            if (candidates.size() == 1) {
                return candidates.iterator().next();
            }
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "model '" + name + "' has several explainers ("
                    + describe(candidates) + "): add ?explainer= with one of their names or types");
        }
        List<ModelExplainer> matching = candidates.stream().filter(e -> e.spec().name().equals(which)
                || e.spec().type().label().equalsIgnoreCase(which)).toList();
        if (matching.size() == 1) {
            return matching.get(0);
        }
        if (matching.isEmpty()) {
            throw new ExplainException(ExplainException.Kind.UNKNOWN_MODEL, "model '" + name + "' has no explainer '"
                    + which + "' (it has: " + describe(candidates) + ")");
        }
        throw new ExplainException(ExplainException.Kind.BAD_INPUT, "explainer '" + which + "' is ambiguous for model '"
                + name + "' (" + describe(matching) + "): name one");
    }

    private static String describe(java.util.Collection<ModelExplainer> list) {
        return String.join(", ", list.stream().map(e -> e.spec().name() + " (" + e.spec().type().label() + ")").toList());
    }

    /** Explainer names. */
    public Set<String> names() {
        return new TreeSet<>(explainers.keySet());
    }

    /** Every explainer, by name. */
    public List<ModelExplainer> all() {
        return explainers.values().stream().sorted(Comparator.comparing(e -> e.spec().name())).toList();
    }

    @Override
    public void close() {
        explainers.values().forEach(ModelExplainer::close);
        explainers.clear();
    }
}
