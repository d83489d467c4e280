-- Why the engine ended a contact itself, when it did (acd.core.contact.EndCause):
-- 'telephony-lost' (found gone after an AMI outage: its hang-up was not seen, ended_at is
-- when the engine found out), 'bridge-failed'. NULL for a hang-up the engine saw.
ALTER TABLE contacts ADD COLUMN end_cause text;
