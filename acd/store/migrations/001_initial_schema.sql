-- Contacts, the append-only contact event log, and agent state changes.

-- One row per call, upserted as the call progresses (the latest Contact wins).
CREATE TABLE contacts (
    contact_id       text PRIMARY KEY,
    caller_number    text NOT NULL,
    dialled_number   text NOT NULL,
    started_at       timestamptz NOT NULL,
    ivr_path         text[] NOT NULL DEFAULT '{}',
    service          text,
    entered_queue_at timestamptz,
    answered_at      timestamptz,
    ended_at         timestamptz,
    agent_id         text,
    outcome          text,
    -- Generated (stored) rather than a view: reports aggregate and filter on them (averages,
    -- SLA thresholds) without repeating the arithmetic, and no writer can get them wrong.
    -- Same definitions as Contact.wait_seconds() and Contact.talk_seconds().
    wait_seconds     double precision GENERATED ALWAYS AS (
        EXTRACT(EPOCH FROM COALESCE(answered_at, ended_at) - entered_queue_at)::double precision
    ) STORED,
    talk_seconds     double precision GENERATED ALWAYS AS (
        EXTRACT(EPOCH FROM ended_at - answered_at)::double precision
    ) STORED
);

-- Reports read a time window, often for one service.
CREATE INDEX contacts_started_at_idx ON contacts (started_at);
CREATE INDEX contacts_service_started_at_idx ON contacts (service, started_at);

-- What happened, in order. contact_id is not a foreign key: an event may be logged before
-- its contact row is first saved, and some events (agent, system) belong to no contact.
CREATE TABLE contact_events (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    contact_id text,
    kind       text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX contact_events_contact_id_idx ON contact_events (contact_id, id)
    WHERE contact_id IS NOT NULL;
CREATE INDEX contact_events_at_idx ON contact_events (at);

-- Append-only. A trigger rather than a rule: a rule (DO INSTEAD NOTHING) would silently
-- swallow the statement, the trigger makes it fail. Statement level, so an UPDATE or
-- DELETE matching no row fails too. (A superuser can still disable it: this guards against
-- mistakes, not against the database owner.)
CREATE FUNCTION contact_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'contact_events is append-only: % is not allowed', TG_OP;
END;
$$;

CREATE TRIGGER contact_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON contact_events
    FOR EACH STATEMENT EXECUTE FUNCTION contact_events_append_only();

-- Every agent state change (ready, ringing, on call, wrap-up, paused ...). An empty reason
-- means none was given (reasons only matter for pauses).
CREATE TABLE agent_states (
    id       bigserial PRIMARY KEY,
    agent_id text NOT NULL,
    state    text NOT NULL,
    reason   text NOT NULL DEFAULT '',
    at       timestamptz NOT NULL
);

CREATE INDEX agent_states_agent_id_at_idx ON agent_states (agent_id, at, id);
