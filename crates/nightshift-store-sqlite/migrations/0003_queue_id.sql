-- The queue's identity: made once, at random, when the database is created. Commits carry it
-- beside the task id, since task ids restart in a new database.
INSERT OR IGNORE INTO system_state (key, value, updated_at_ms)
VALUES ('queue_id', lower(hex(randomblob(8))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
