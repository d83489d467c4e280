-- Scheduled callbacks (issue 14: the IVR's slots, an agent's panel, the city's website):
-- where a callback was asked for, the words left for whoever calls back (personal data:
-- emptied with the number by the privacy purge and erasure), and the time a scheduled one
-- enters its queue (its place: ``CallbackStore.pending`` reads it back at a restart when it
-- has no contact yet).
ALTER TABLE callbacks ADD COLUMN origin text NOT NULL DEFAULT 'queue'
    CHECK (origin IN ('queue', 'ivr', 'agent', 'web'));
ALTER TABLE callbacks ADD COLUMN note text NOT NULL DEFAULT '';
ALTER TABLE callbacks ADD COLUMN scheduled_for timestamptz;
