-- Callbacks (acd.core.callback, docs/callbacks.md): a waiting caller who hung up keeping its
-- place. One row per call that asked for one (its contact's id), upserted at every change
-- (the latest CallbackRecord wins): an upsert, like contacts, so a batch written twice or
-- replayed from the spill file changes nothing more (migration 013 gives write ids to the
-- appended tables only). Pending: ended_at is NULL; an engine start takes those back into
-- their queues at their place, and Store.close_unended leaves their contacts open.
CREATE TABLE callbacks (
    call_id      text PRIMARY KEY,
    service      text NOT NULL,
    number       text NOT NULL,           -- the citizen's number: never logged at INFO
    language     text NOT NULL,
    priority     double precision NOT NULL,
    requirement  text NOT NULL,           -- the IVR's addition to the service's
    requested_at timestamptz NOT NULL,
    state        text NOT NULL,
    attempts     integer NOT NULL CHECK (attempts >= 0),
    due          timestamptz,
    agent_id     text,                    -- the agent of its last attempt: "its own"
    outcome      text,
    ended_at     timestamptz,
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
);

CREATE INDEX callbacks_pending_idx ON callbacks (requested_at) WHERE ended_at IS NULL;
CREATE INDEX callbacks_requested_at_idx ON callbacks (requested_at);
