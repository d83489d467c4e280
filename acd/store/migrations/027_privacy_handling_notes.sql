-- The purge clears the agents' notes on each handling of a contact in batches
-- (acd/store/privacy.py, Contacts.expire): like contacts_notes_idx (024), a partial index
-- holds only the handlings whose notes are still kept, so a batch finds them without
-- reading those already cleared.
CREATE INDEX contact_handlings_notes_idx ON contact_handlings (answered_at)
    WHERE notes IS NOT NULL;
