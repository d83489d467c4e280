-- People who log in to the web: agents (each drives one agent of the configuration),
-- supervisors and administrators. Passwords are argon2id hashes (acd/access/passwords.py).
CREATE TABLE accounts (
    user_name     text PRIMARY KEY CHECK (user_name ~ '^[a-z][a-z0-9._-]{1,63}$'),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    agent_id      text,
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    last_login    timestamptz,
    CHECK ((role = 'agent') = (agent_id IS NOT NULL))
);
CREATE UNIQUE INDEX accounts_one_per_agent ON accounts (agent_id) WHERE agent_id IS NOT NULL;
