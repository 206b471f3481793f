-- A key the intake gave a task (an API client's Idempotency-Key, an entry of a watched tasks
-- file): a task with a key already in the queue is never queued again.
ALTER TABLE tasks ADD COLUMN intake_key TEXT;
CREATE UNIQUE INDEX tasks_intake_key ON tasks (intake_key) WHERE intake_key IS NOT NULL;
