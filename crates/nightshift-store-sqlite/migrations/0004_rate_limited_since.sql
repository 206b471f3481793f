-- Since when every attempt of a task has been parked on rate limits (NULL: it is not): a task
-- whose backends refuse it for long enough fails instead of parking forever.
ALTER TABLE tasks ADD COLUMN rate_limited_since_ms INTEGER;
