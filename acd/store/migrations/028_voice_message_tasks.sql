-- Voice messages worked by agents (acd/core/voice_message.py): each one is a task in its
-- service's queue until an agent closes it, or closed by itself when it is empty.
--   name         the recording's name (the file's, without .wav): the message's id for the
--                engine and the panel's routes; older rows, and a row written without one,
--                get 'm' and a number of the table's sequence (no recording's name has it)
--   service      the queue it waits in; language and ivr_path as the caller left them
--   handled_by   the agent who closed it (NULL: closed by itself, as 'empty')
--   disposition  what came of it: one of the desk's dispositions, 'callback' (its caller
--                to be called back), or 'empty' (silent or too short: never offered)
ALTER TABLE voice_messages
    ADD COLUMN name text,
    ADD COLUMN service text,
    ADD COLUMN language text NOT NULL DEFAULT '',
    ADD COLUMN ivr_path text[] NOT NULL DEFAULT '{}',
    ADD COLUMN handled_by text,
    ADD COLUMN disposition text;

UPDATE voice_messages SET name = 'm' || id WHERE name IS NULL;
ALTER TABLE voice_messages ALTER COLUMN name SET NOT NULL,
    ALTER COLUMN name SET DEFAULT 'm' || nextval('voice_messages_id_seq');
CREATE UNIQUE INDEX voice_messages_name_idx ON voice_messages (name);
