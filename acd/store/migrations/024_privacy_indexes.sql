-- The purge's batches find what is left to do without reading what it did already: each
-- partial index holds only the rows still to purge, so it stays small once the purge runs.

-- Contacts whose caller's number is still in clear ('p:' pseudonymised, 'x:' erased).
CREATE INDEX contacts_number_in_clear_idx ON contacts (started_at)
    WHERE NOT (starts_with(caller_number, 'p:') OR starts_with(caller_number, 'x:'));

-- Steps where the caller keyed something (menu keys, act numbers).
CREATE INDEX ivr_steps_keyed_idx ON ivr_steps (at) WHERE entered <> '';

-- Voice messages whose recording is still kept, and a caller's messages (export, erase).
CREATE INDEX voice_messages_recorded_idx ON voice_messages (recorded_at) WHERE file <> '';
CREATE INDEX voice_messages_caller_idx ON voice_messages (caller);

-- Contacts whose agents' notes are still kept.
CREATE INDEX contacts_notes_idx ON contacts (started_at) WHERE notes IS NOT NULL;
