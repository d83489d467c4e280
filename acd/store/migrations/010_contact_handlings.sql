-- Every agent who answered a contact, with its own disposition and notes: after a transfer
-- the first agent records the outcome of its part too (contacts.agent_id names the last
-- agent only). Filled by a trigger on contacts, so no writer can forget it; the contacts
-- row keeps the latest disposition recorded (the screen pop's list of past contacts).
CREATE TABLE contact_handlings (
    contact_id  text NOT NULL REFERENCES contacts (contact_id) ON DELETE CASCADE,
    agent_id    text NOT NULL,
    answered_at timestamptz NOT NULL,  -- when this agent answered it
    disposition text,
    notes       text CHECK (length(notes) <= 2000),
    disposed_at timestamptz,
    PRIMARY KEY (contact_id, agent_id)
);

-- An agent's calls of the day.
CREATE INDEX contact_handlings_agent_idx ON contact_handlings (agent_id, answered_at DESC);

CREATE FUNCTION contact_handled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.agent_id IS NOT NULL AND NEW.answered_at IS NOT NULL THEN
        -- The contact's answered_at stays its first answer: a later agent's is when the
        -- store learns of it.
        INSERT INTO contact_handlings (contact_id, agent_id, answered_at)
        SELECT NEW.contact_id, NEW.agent_id,
               CASE WHEN EXISTS (SELECT 1 FROM contact_handlings WHERE contact_id = NEW.contact_id)
                    THEN greatest(now(), NEW.answered_at) ELSE NEW.answered_at END
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contact_handled
    AFTER INSERT OR UPDATE OF agent_id, answered_at ON contacts
    FOR EACH ROW EXECUTE FUNCTION contact_handled();

INSERT INTO contact_handlings (contact_id, agent_id, answered_at, disposition, notes, disposed_at)
SELECT contact_id, agent_id, answered_at, disposition, notes, disposed_at
FROM contacts WHERE agent_id IS NOT NULL AND answered_at IS NOT NULL;
