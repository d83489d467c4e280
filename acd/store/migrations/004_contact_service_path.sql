-- The services a call queued in, in order: more than one when it overflowed to another
-- service. service stays the last one; service_path[1] is where the call was first offered.
ALTER TABLE contacts ADD COLUMN service_path text[] NOT NULL DEFAULT '{}';
