-- Each attempt of a callback (acd.core.callback.AttemptRecord): who tried, when, and what came
-- of it. Appended only, each row with the store writer's id (as migration 013): a batch
-- retried after the server committed it, or replayed from the spill file, adds no row twice.
-- ``attempt`` is not unique: an attempt the agent left (agent-left) is tried again under the
-- same number.
CREATE TABLE callback_attempts (
    id         bigserial PRIMARY KEY,
    call_id    text NOT NULL,
    attempt    integer NOT NULL CHECK (attempt >= 1),
    agent_id   text,                     -- NULL: the last call, with the service's message
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NOT NULL,
    result     text NOT NULL,
    write_id   text
);

CREATE INDEX callback_attempts_call_id_idx ON callback_attempts (call_id, id);
CREATE UNIQUE INDEX callback_attempts_write_id_idx ON callback_attempts (write_id);
