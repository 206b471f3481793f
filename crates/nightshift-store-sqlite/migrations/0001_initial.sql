-- The seed's tables. Times are Unix milliseconds. Never edit a migration that has shipped:
-- add a new numbered one.

CREATE TABLE tasks (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    description         TEXT    NOT NULL,
    priority            INTEGER NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
    metadata            TEXT    NOT NULL DEFAULT '{}',
    source              TEXT    NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_retries         INTEGER NOT NULL,
    run_after_ms        INTEGER NOT NULL,
    lease_token         TEXT,
    lease_owner         TEXT,
    lease_expires_at_ms INTEGER,
    last_error          TEXT,
    created_at_ms       INTEGER NOT NULL,
    updated_at_ms       INTEGER NOT NULL,
    started_at_ms       INTEGER,
    finished_at_ms      INTEGER
);

-- The claim's scan: queued tasks by priority, then age.
CREATE INDEX tasks_claim ON tasks (status, priority DESC, id);

CREATE TABLE execution_logs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       INTEGER NOT NULL,
    task_id     INTEGER REFERENCES tasks (id),
    attempt     INTEGER,
    level       TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    message     TEXT    NOT NULL
);

CREATE INDEX execution_logs_task ON execution_logs (task_id, id);

CREATE TABLE git_commits (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- One commit per task, enforced here too.
    task_id       INTEGER NOT NULL UNIQUE REFERENCES tasks (id),
    sha           TEXT    NOT NULL,
    branch        TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    files         TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    pushed        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE model_stats (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms             INTEGER NOT NULL,
    task_id           INTEGER REFERENCES tasks (id),
    attempt           INTEGER,
    backend           TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    purpose           TEXT    NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    first_token_ms    INTEGER,
    duration_ms       INTEGER NOT NULL,
    tokens_per_s      REAL,
    outcome           TEXT    NOT NULL,
    error             TEXT
);

CREATE INDEX model_stats_task ON model_stats (task_id);

CREATE TABLE system_state (
    key           TEXT PRIMARY KEY,
    value         TEXT    NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
