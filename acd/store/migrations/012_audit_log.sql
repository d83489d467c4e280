-- What people did through the engine, each act one row: who (the account, or an API token's
-- name, with its role then), what (a dotted action such as 'agent.pause', 'call.move',
-- 'supervision.whisper'), when, on whom or what (a kind and an id: an agent, a call, a
-- contact, an export ...) and the act's own details. Supervisors' actions first; reading a
-- citizen's personal data (screen pops, exports) fits the same shape later.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    role        text NOT NULL,
    action      text NOT NULL,
    target_kind text NOT NULL,
    target_id   text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'
);

-- The page reads the latest first, often for one actor, one target or one kind of action.
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_kind, target_id, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);

-- Append-only, as contact_events: an UPDATE, DELETE or TRUNCATE fails (a mistake, not the
-- database owner, is what this guards against).
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
