package dev.anchorwatch.model;

/** A model response that does not say what we need; the HTTP client turns it into a permanent failure. */
final class MalformedResponseException extends RuntimeException {
    MalformedResponseException(String message) {
        super(message, null, false, false); // a message for people, no stack trace needed
    }
}
