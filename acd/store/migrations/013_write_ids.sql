-- The store writer's id of each write (``acd.store.writer``): a batch retried after the server
-- committed it, or replayed from the spill file after a crash, inserts nothing twice
-- (INSERT ... ON CONFLICT (write_id) DO NOTHING). Rows written before this migration, and by
-- anything but the writer, have none (NULLs never conflict). Contacts need none: upserts.
ALTER TABLE contact_events ADD COLUMN write_id text;
CREATE UNIQUE INDEX contact_events_write_id_idx ON contact_events (write_id);

ALTER TABLE agent_states ADD COLUMN write_id text;
CREATE UNIQUE INDEX agent_states_write_id_idx ON agent_states (write_id);

ALTER TABLE voice_messages ADD COLUMN write_id text;
CREATE UNIQUE INDEX voice_messages_write_id_idx ON voice_messages (write_id);
