-- The privacy purge (acd/privacy): the only one that may change the append-only logs.
--
-- A dedicated role rather than tables partitioned by month and dropped whole: an erasure
-- asked by one citizen removes rows in every month, which dropping partitions cannot do;
-- the idempotent writes need one unique index on write_id across the whole log, which a
-- partitioned table cannot have without the partition key; and the contacts stay (their
-- numbers pseudonymised) so the reports' counts do not move. The purge switches to the role
-- for its statements on the logs only (SET LOCAL ROLE, inside its transaction); every other
-- session still gets the trigger's error. As before, this guards against mistakes, not
-- against the database owner.
--
-- Creating the role needs CREATEROLE; an external server's DBA may create and grant it
-- instead (docs/privacy.md, "An external PostgreSQL"). Either way a missing right stops
-- here with what to ask the DBA, not a bare permission error.
DO $$
DECLARE
    ask text := format('ask the database administrator to run, as a superuser: CREATE ROLE '
                       'centralino_privacy NOLOGIN; GRANT centralino_privacy TO %I; then '
                       'start again (docs/privacy.md, "An external PostgreSQL")', current_user);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralino_privacy') THEN
        BEGIN
            CREATE ROLE centralino_privacy NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'the privacy purge''s role centralino_privacy does not exist and '
                            '% may not create roles: %', current_user, ask;
        END;
    END IF;
    BEGIN
        EXECUTE format('GRANT centralino_privacy TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;  -- not ours to grant: the DBA may have granted it already (checked below)
    END;
    BEGIN
        SET ROLE centralino_privacy;
        RESET ROLE;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION '% may not take the privacy purge''s role centralino_privacy: %',
                        current_user, ask;
    END;
END
$$;
GRANT SELECT, UPDATE, DELETE ON contact_events, audit_log TO centralino_privacy;

CREATE OR REPLACE FUNCTION contact_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'centralino_privacy' AND TG_OP IN ('UPDATE', 'DELETE') THEN
        RETURN NULL;  -- the privacy purge (retention, erasure)
    END IF;
    RAISE EXCEPTION 'contact_events is append-only: % is not allowed', TG_OP;
END;
$$;

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'centralino_privacy' AND TG_OP = 'DELETE' THEN
        RETURN NULL;  -- the privacy purge: entries past the audit trail's own retention
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$;
