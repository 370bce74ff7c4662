-- The viewer's lists across every model (dev.anchorwatch.viewer.PostgresExplanationStore.listQuery) filtered by
-- outcome, explainer or served-vs-explained mismatch, newest first: without these, PostgreSQL walks
-- explanation_created_at_id and filters, which reads the whole table when few or no rows match ("the failures of
-- the last month" when there were none). Each index gives the matching rows already in the list's order.
CREATE INDEX explanation_outcome_created_at_id ON explanation (outcome, created_at DESC, id DESC);
CREATE INDEX explanation_explainer_created_at_id ON explanation (explainer, created_at DESC, id DESC);
CREATE INDEX explanation_mismatch_created_at_id ON explanation (created_at DESC, id DESC) WHERE prediction_mismatch;
