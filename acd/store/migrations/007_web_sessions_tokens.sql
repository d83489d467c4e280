-- Web sessions (acd/access/sessions.py) and machine clients' API tokens (acd/access/tokens.py).
-- Only a SHA-256 of a session id or token secret is kept: a copy of the database opens no
-- session. Both are long random values, so a fast hash is enough (no guessing to slow down).
CREATE TABLE web_sessions (
    id_hash    bytea PRIMARY KEY,
    user_name  text NOT NULL REFERENCES accounts (user_name) ON DELETE CASCADE,
    csrf       text NOT NULL,
    address    text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_name);

CREATE TABLE api_tokens (
    token_id    text PRIMARY KEY CHECK (token_id ~ '^[a-z0-9]{8}$'),
    name        text NOT NULL,
    scope       text NOT NULL,
    secret_hash bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    last_used   timestamptz,
    revoked_at  timestamptz
);
