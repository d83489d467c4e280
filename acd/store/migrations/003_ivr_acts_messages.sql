-- The IVR's records: each call's walk through the trees, deposited acts, voice messages.

-- One row per IVR session: how it ended and where the caller was then (reports: calls
-- resolved in self-service, where callers drop off).
CREATE TABLE ivr_sessions (
    contact_id text PRIMARY KEY,
    tree       text NOT NULL,
    language   text NOT NULL,
    outcome    text NOT NULL,          -- queued, transferred, self-service, closed, ivr-hangup ...
    left_at    text NOT NULL,          -- the node the caller was at when the session ended
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NOT NULL
);

CREATE INDEX ivr_sessions_started_at_idx ON ivr_sessions (started_at);

-- Every node the caller went through, in order: what they keyed there and what came of it.
CREATE TABLE ivr_steps (
    contact_id text NOT NULL,
    seq        integer NOT NULL,
    at         timestamptz NOT NULL,
    tree       text NOT NULL,
    node       text NOT NULL,
    entered    text NOT NULL DEFAULT '',  -- a menu key or collected digits
    result     text NOT NULL DEFAULT '',  -- closed, holiday, found, saved, fallback ...
    PRIMARY KEY (contact_id, seq)
);

-- Acts that could not be delivered and wait at the desk ("deposito e ritiro atti").
CREATE TABLE deposited_acts (
    number       text PRIMARY KEY,        -- the number printed on the notice
    addressee    text NOT NULL DEFAULT '',
    deposited_on date NOT NULL,
    collected_at timestamptz,
    imported_at  timestamptz NOT NULL DEFAULT now()
);

-- Voice messages callers left for the back office; the audio is a file in the spool dir.
CREATE TABLE voice_messages (
    id          bigserial PRIMARY KEY,
    contact_id  text NOT NULL,
    caller      text NOT NULL,
    file        text NOT NULL,
    recorded_at timestamptz NOT NULL,
    handled_at  timestamptz
);

CREATE INDEX voice_messages_unhandled_idx ON voice_messages (recorded_at) WHERE handled_at IS NULL;
