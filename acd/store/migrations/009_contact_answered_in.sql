-- The service a contact was first answered in (acd.core.contact.Contact.answered_in): the
-- reports count an answer for the service the caller first reached only when it was answered
-- there; a call that went on to another service unanswered overflowed (service_path alone
-- cannot tell an overflow from a transfer after the answer). Contacts answered before this
-- column existed are taken as answered in their last service (an overflow's answer).
ALTER TABLE contacts ADD COLUMN answered_in text;
UPDATE contacts SET answered_in = service WHERE answered_at IS NOT NULL;

-- The service reports read the calls of a time range by the service the caller first
-- reached and the time it entered the queue (docs/reports.md, "Queries and indexes").
CREATE INDEX contacts_first_service_entered_idx
    ON contacts ((COALESCE(service_path[1], service)), entered_queue_at)
    WHERE entered_queue_at IS NOT NULL;
