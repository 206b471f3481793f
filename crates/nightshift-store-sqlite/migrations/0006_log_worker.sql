-- The worker that held a task when a line of its attempt was written, so the log can be
-- followed per worker.
ALTER TABLE execution_logs ADD COLUMN worker TEXT;
CREATE INDEX execution_logs_worker ON execution_logs (worker, id);
