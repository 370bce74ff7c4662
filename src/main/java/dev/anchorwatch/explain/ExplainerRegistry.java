package dev.anchorwatch.explain;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Model name → its explainer. One deployment serves many models. */
public final class ExplainerRegistry implements AutoCloseable {
    private final Map<String, ModelExplainer> explainers = new ConcurrentHashMap<>();

    public void register(ModelExplainer explainer) {
        String name = explainer.spec().name();
        ModelExplainer previous = explainers.putIfAbsent(name, explainer);
        if (previous != null) {
            throw new SpecException(explainer.spec().origin(), "name",
                    "model '" + name + "' is already defined by " + previous.spec().origin());
        }
    }

    public Optional<ModelExplainer> find(String name) {
        return Optional.ofNullable(explainers.get(name));
    }

    public ModelExplainer require(String name) {
        return find(name).orElseThrow(() -> new ExplainException(ExplainException.Kind.UNKNOWN_MODEL,
                "no explainer for model '" + name + "' (served: " + String.join(", ", names()) + ")"));
    }

    public Set<String> names() {
        return new TreeSet<>(explainers.keySet());
    }

    @Override
    public void close() {
        explainers.values().forEach(ModelExplainer::close);
        explainers.clear();
    }
}
