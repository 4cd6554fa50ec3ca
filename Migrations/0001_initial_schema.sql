-- 0001_initial_schema: every table of SPEC.md (users and sessions §1, workflows §2, executions and logs §5/§6,
-- webhook idempotency §7, integrations §8, api keys §9, schedule ledger §11) with the indexes of §14.
--
-- Conventions:
-- * Timestamps are INTEGER milliseconds since the Unix epoch, UTC (`*_at` columns). They sort and compare as numbers
--   and keep hot paths free of date parsing; the API layer formats them as `2025-01-15T10:00:00.000Z`.
--   (schema_migrations.applied_at, written by the Migrator, is the one ISO-8601 TEXT timestamp.)
-- * Durations are INTEGER milliseconds (`duration_ms`), NULL while unfinished.
-- * Ids are the spec's prefixed TEXT ids (`user_…`, `wf_…`, `exec_…`, `log_…`, `int_…`, `key_…`).
-- * JSON (nodes, edges, inputs, outputs) is stored as TEXT exactly as the service serialised it; booleans are
--   INTEGER 0/1. Tables are STRICT, so a value of the wrong type is an error rather than a silent conversion.
-- * A row that cannot outlive its parent references it ON DELETE CASCADE: deleting a user removes everything it
--   owns; deleting a workflow removes its executions (and their logs), ledger and idempotency rows. Every
--   referencing column leads an index, so cascades never scan a table.
-- * Connection settings (foreign_keys=ON, journal_mode=WAL, busy_timeout, synchronous=FULL) are set by
--   Database.open, not here.

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    email           TEXT,                                 -- trimmed, lower-cased; NULL for anonymous users
    email_verified  INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    image           TEXT,
    is_anonymous    INTEGER NOT NULL DEFAULT 0 CHECK (is_anonymous IN (0, 1)),
    provider_id     TEXT NOT NULL CHECK (provider_id IN ('credential', 'anonymous', 'github', 'google')),
    password_hash   TEXT,                                 -- scrypt$…; NULL for anonymous and OAuth users
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email);    -- NULLs are distinct, so any number of anonymous users

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash       TEXT NOT NULL,                       -- SHA-256 hex of the cookie token; the token is never stored
    expires_at       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_renewed_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE workflows (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    visibility   TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    nodes        TEXT NOT NULL DEFAULT '[]',              -- JSON array of Node
    edges        TEXT NOT NULL DEFAULT '[]',              -- JSON array of Edge
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
-- Summaries page by (updated_at DESC, id DESC); id is in the index so the listing needs no sort.
CREATE INDEX workflows_user_updated ON workflows (user_id, updated_at, id);

CREATE TABLE executions (
    id            TEXT PRIMARY KEY NOT NULL,
    workflow_id   TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('running', 'success', 'error', 'cancelled')),
    trigger_kind  TEXT NOT NULL CHECK (trigger_kind IN ('manual', 'webhook', 'schedule')),
    input         TEXT NOT NULL DEFAULT '{}',             -- JSON, redacted
    output        TEXT,                                   -- JSON, redacted; NULL until finished, or no node succeeded
    error         TEXT,
    nodes         TEXT NOT NULL,                          -- snapshot of the workflow's nodes when the run was created
    edges         TEXT NOT NULL,                          -- snapshot of its edges
    started_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    duration_ms   INTEGER
) STRICT;
-- Listing pages by (started_at DESC, id DESC); id is in the index so the tie-break needs no sort.
CREATE INDEX executions_workflow_started ON executions (workflow_id, started_at, id);
CREATE INDEX executions_user_id ON executions (user_id);
-- Crash recovery and shutdown look only for running executions: a partial index stays tiny.
CREATE INDEX executions_running ON executions (status) WHERE status = 'running';

CREATE TABLE execution_logs (
    id            TEXT PRIMARY KEY NOT NULL,
    execution_id  TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,                       -- insertion order within the execution (ties on started_at)
    node_id       TEXT NOT NULL,
    node_name     TEXT NOT NULL,
    node_type     TEXT NOT NULL CHECK (node_type IN ('trigger', 'action')),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'success', 'error', 'skipped', 'cancelled')),
    input         TEXT,                                   -- JSON, redacted
    output        TEXT,                                   -- JSON, redacted
    error         TEXT,
    started_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    duration_ms   INTEGER
) STRICT;
CREATE UNIQUE INDEX execution_logs_execution_seq ON execution_logs (execution_id, seq);
CREATE INDEX execution_logs_running ON execution_logs (status) WHERE status = 'running';

CREATE TABLE integrations (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name              TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL CHECK (type IN ('ai-gateway', 'slack', 'resend', 'linear', 'firecrawl', 'github',
                                                    'database')),
    config_encrypted  TEXT NOT NULL,                      -- v1:<hex nonce>:<hex tag>:<hex ciphertext>, AAD = id
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX integrations_user_type ON integrations (user_id, type);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT,
    key_hash      TEXT NOT NULL,                          -- SHA-256 hex of the wfb_ key; the key is never stored
    key_prefix    TEXT NOT NULL,                          -- first 11 characters, for display
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX api_keys_key_hash ON api_keys (key_hash);
CREATE INDEX api_keys_user_created ON api_keys (user_id, created_at);

-- One row per (workflow, minute) the scheduler fired; the UNIQUE index is what makes a slot fire at most once.
CREATE TABLE schedule_ledger (
    workflow_id   TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    slot          INTEGER NOT NULL,                       -- the slot's minute, epoch ms UTC
    execution_id  TEXT,                                   -- the run it started; no foreign key: pruned runs keep slots
    created_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX schedule_ledger_workflow_slot ON schedule_ledger (workflow_id, slot);

-- Idempotency-Key of webhook calls, kept 24 h; the UNIQUE index makes concurrent duplicates start one execution.
CREATE TABLE webhook_idempotency (
    workflow_id   TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    execution_id  TEXT NOT NULL,                          -- the first execution; no foreign key (see schedule_ledger)
    created_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX webhook_idempotency_workflow_key ON webhook_idempotency (workflow_id, key);
CREATE INDEX webhook_idempotency_created ON webhook_idempotency (created_at);
