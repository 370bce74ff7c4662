-- Served predictions whose explanation may be written by another replica, or was written before the response
-- arrived (a KafkaSink keys logger events by nothing, so a request and its response can reach different replicas).
-- PostgresExplanationSink merges them by inference id under a transaction-level advisory lock on the inference id:
-- a response recorded here is copied onto the explanation when it is written, and an explanation already written
-- is updated when the response arrives. The first served prediction of an inference is kept.
CREATE TABLE served_prediction (
    inference_id      text        PRIMARY KEY,
    model             text        NOT NULL,
    namespace         text,
    served_prediction jsonb       NOT NULL,
    received_at       timestamptz NOT NULL
);
