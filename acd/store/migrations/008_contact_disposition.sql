-- What the agent recorded of a call in wrap-up: a disposition from the service's list and
-- free notes. Separate columns that the contact upsert (acd/store/store.py) never touches.
ALTER TABLE contacts
    ADD COLUMN disposition text,
    ADD COLUMN notes       text CHECK (length(notes) <= 2000),
    ADD COLUMN disposed_at timestamptz;

-- The screen pop reads a caller's last contacts.
CREATE INDEX contacts_caller_started_at_idx ON contacts (caller_number, started_at DESC);
CREATE INDEX contacts_agent_started_at_idx ON contacts (agent_id, started_at DESC);
