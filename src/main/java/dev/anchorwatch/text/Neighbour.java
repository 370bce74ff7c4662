package dev.anchorwatch.text;

/** A word of a vocabulary near another one, with their cosine similarity. */
public record Neighbour(String word, double similarity) {
}
