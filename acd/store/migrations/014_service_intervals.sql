-- The service reports' counts per (first service, UTC quarter hour), kept by triggers, so a
-- month of a service reads about 3,000 rows instead of every contact (docs/reports.md, "The
-- interval table"; docs/benchmarks.md). Counts and sums, never a ratio: ``reports.history``
-- fills the one ``Tally`` from them. A contact counts where ``acd.store.reports`` reads it
-- from the raw rows: in the service it first reached (service_path[1], else service), in the
-- quarter hour it entered the queue, once it has ended, with ``reports.history.fate``.
--
-- The waits are histograms in whole seconds, element k + 1 counting the waits whose ceiling
-- (``*_waits``) or floor (``abandoned_waits_down``) is k, k = 601 for any wait over 600 s, so
-- "within T" (wait <= T: ceiling <= T) and "short" (wait < S: floor < S) can be counted for
-- any whole T and S up to 600 s; other T or S read the raw rows. Element 1 (k = 0) always
-- exists, so the arrays start at 1; missing counts are NULL (a NULL costs a bit).
CREATE TABLE service_intervals (
    first_service        text NOT NULL,
    interval_start       timestamptz NOT NULL,
    offered              integer NOT NULL DEFAULT 0,
    answered             integer NOT NULL DEFAULT 0,
    abandoned            integer NOT NULL DEFAULT 0,
    overflowed           integer NOT NULL DEFAULT 0,
    voicemail            integer NOT NULL DEFAULT 0,
    other                integer NOT NULL DEFAULT 0,  -- failed and anything else
    answered_wait        double precision NOT NULL DEFAULT 0,  -- summed, answered (ASA)
    talk                 double precision NOT NULL DEFAULT 0,  -- summed, answered (AHT)
    wrap_up              double precision NOT NULL DEFAULT 0,  -- summed, after the answered
    longest_wait         double precision,  -- of every fate
    answered_waits       integer[] NOT NULL DEFAULT '{0}',
    abandoned_waits      integer[] NOT NULL DEFAULT '{0}',
    abandoned_waits_down integer[] NOT NULL DEFAULT '{0}',
    PRIMARY KEY (first_service, interval_start)
);

-- reports.history.fate, in SQL: what became of the contact in the service it first reached.
-- It moved when its path holds another service than the first (path <@ {first}: it did
-- not). One expression, so PostgreSQL inlines it into the query that calls it.
CREATE FUNCTION contact_fate(path text[], service text, outcome text, answered boolean,
                             answered_in text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN outcome = 'failed' AND path <@ ARRAY[COALESCE(path[1], service)] THEN 'failed'
        WHEN answered AND (answered_in = COALESCE(path[1], service)
                           OR (answered_in IS NULL AND path <@ ARRAY[COALESCE(path[1], service)]))
            THEN 'answered'
        WHEN NOT path <@ ARRAY[COALESCE(path[1], service)] OR outcome = 'overflow'
            THEN 'overflowed'
        ELSE COALESCE(outcome, 'unknown')
    END
$$;

-- The answering agent's wrap-up after a contact, as acd.store.reports reads it: from its
-- change into wrap-up at the instant the call ended to its next change into anything else.
CREATE FUNCTION contact_wrap_up(agent text, ended timestamptz) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((
        SELECT EXTRACT(EPOCH FROM (
            SELECT n.at FROM agent_states n
            WHERE n.agent_id = s.agent_id AND (n.at, n.id) > (s.at, s.id)
              AND n.state <> 'wrap_up'
            ORDER BY n.at, n.id LIMIT 1
        ) - s.at)::double precision
        FROM agent_states s
        WHERE s.agent_id = agent AND s.at = ended AND s.state = 'wrap_up'
        ORDER BY s.id LIMIT 1
    ), 0)
$$;

CREATE FUNCTION quarter_hour(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_bin('15 minutes', t, timestamptz '2000-01-01 00:00:00+00')
$$;

-- Add (sign 1) or take back (sign -1) one contact's counts; a contact not counted (not
-- ended, never queued, no service) changes nothing.
CREATE FUNCTION service_interval_count(c contacts, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    first text := COALESCE(c.service_path[1], c.service);
    start timestamptz;
    fate text;
    w double precision := c.wait_seconds;
    up integer;
    down integer;
    wrap double precision := 0;
BEGIN
    IF first IS NULL OR c.entered_queue_at IS NULL OR c.ended_at IS NULL THEN
        RETURN;
    END IF;
    start := quarter_hour(c.entered_queue_at);
    fate := contact_fate(c.service_path, c.service, c.outcome, c.answered_at IS NOT NULL,
                         c.answered_in);
    up := least(greatest(ceil(w), 0), 601)::integer + 1;
    down := least(greatest(floor(w), 0), 601)::integer + 1;
    INSERT INTO service_intervals (first_service, interval_start) VALUES (first, start)
        ON CONFLICT DO NOTHING;
    UPDATE service_intervals SET offered = offered + sign,
        longest_wait = CASE WHEN sign > 0 THEN greatest(longest_wait, w) ELSE longest_wait END,
        overflowed = overflowed + CASE WHEN fate = 'overflowed' THEN sign ELSE 0 END,
        voicemail = voicemail + CASE WHEN fate = 'voicemail' THEN sign ELSE 0 END,
        other = other + CASE WHEN fate IN ('answered', 'abandoned', 'overflowed', 'voicemail')
                             THEN 0 ELSE sign END
    WHERE first_service = first AND interval_start = start;
    IF fate = 'answered' THEN
        IF c.agent_id IS NOT NULL THEN
            wrap := contact_wrap_up(c.agent_id, c.ended_at);
        END IF;
        UPDATE service_intervals SET answered = answered + sign,
            answered_wait = answered_wait + sign * w,
            talk = talk + sign * COALESCE(c.talk_seconds, 0),
            wrap_up = wrap_up + sign * wrap,
            answered_waits[up] = COALESCE(answered_waits[up], 0) + sign
        WHERE first_service = first AND interval_start = start;
    ELSIF fate = 'abandoned' THEN
        UPDATE service_intervals SET abandoned = abandoned + sign,
            abandoned_waits[up] = COALESCE(abandoned_waits[up], 0) + sign,
            abandoned_waits_down[down] = COALESCE(abandoned_waits_down[down], 0) + sign
        WHERE first_service = first AND interval_start = start;
    END IF;
    IF sign < 0 THEN  -- a longest wait cannot be taken back: the others' again
        UPDATE service_intervals SET longest_wait = (
            SELECT max(x.wait_seconds) FROM contacts x
            WHERE COALESCE(x.service_path[1], x.service) = first
              AND x.entered_queue_at >= start AND x.entered_queue_at < start + interval '15 minutes'
              AND x.ended_at IS NOT NULL AND x.contact_id <> c.contact_id
        ) WHERE first_service = first AND interval_start = start;
    END IF;
END;
$$;

-- A contact counts when it first has its ended_at. The store upserts a contact as it goes,
-- and replays upserts (a retried batch, the spill file): an update that changes none of what
-- the counts depend on changes nothing, so a replay never counts twice. An update of an
-- ended contact that does change one of them (a correction) takes its old counts back and
-- adds the new ones; a deleted contact's are taken back.
CREATE FUNCTION contact_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.ended_at IS NULL AND NEW.ended_at IS NULL THEN
            RETURN NULL;
        END IF;
        IF (OLD.service_path, OLD.service, OLD.entered_queue_at, OLD.answered_at, OLD.ended_at,
            OLD.agent_id, OLD.outcome, OLD.answered_in)
           IS NOT DISTINCT FROM
           (NEW.service_path, NEW.service, NEW.entered_queue_at, NEW.answered_at, NEW.ended_at,
            NEW.agent_id, NEW.outcome, NEW.answered_in) THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM service_interval_count(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM service_interval_count(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contact_counted
    AFTER INSERT OR UPDATE OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION contact_counted();

CREATE FUNCTION contacts_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE service_intervals;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contacts_truncated
    AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_truncated();

-- The contacts an agent's change into wrap-up followed (the wrap-up below).
CREATE INDEX contacts_agent_ended_idx ON contacts (agent_id, ended_at)
    WHERE answered_at IS NOT NULL;

-- An agent's wrap-up ends after the call it followed has ended and been counted: a change
-- into anything but wrap-up adds the wrap-up it ends to the contacts it followed (their
-- ended_at is the instant of the change into wrap-up). An agent's changes are appended in
-- their order (the core records them as they happen); one inserted before a later change
-- already there would leave the wrap-up that change counted (rebuild_service_intervals()
-- counts it again from the rows). A bulk insert fires this after all its rows are in: the
-- change after a wrap-up is found from the wrap-up's own, so nothing counts twice.
CREATE FUNCTION wrap_up_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    since_at timestamptz := '-infinity';
    since_id bigint := 0;
    s record;
    c contacts;
    delta double precision;
BEGIN
    IF NEW.state = 'wrap_up' THEN
        RETURN NULL;
    END IF;
    SELECT p.at, p.id INTO since_at, since_id FROM agent_states p
    WHERE p.agent_id = NEW.agent_id AND p.state <> 'wrap_up' AND (p.at, p.id) < (NEW.at, NEW.id)
    ORDER BY p.at DESC, p.id DESC LIMIT 1;
    IF NOT FOUND THEN
        since_at := '-infinity';
        since_id := 0;
    END IF;
    FOR s IN
        SELECT DISTINCT w.at FROM agent_states w
        WHERE w.agent_id = NEW.agent_id AND w.state = 'wrap_up'
          AND (w.at, w.id) > (since_at, since_id) AND (w.at, w.id) < (NEW.at, NEW.id)
    LOOP
        delta := EXTRACT(EPOCH FROM NEW.at - s.at)::double precision;
        FOR c IN
            SELECT * FROM contacts
            WHERE agent_id = NEW.agent_id AND ended_at = s.at AND answered_at IS NOT NULL
              AND entered_queue_at IS NOT NULL
        LOOP
            IF COALESCE(c.service_path[1], c.service) IS NOT NULL
               AND contact_fate(c.service_path, c.service, c.outcome, true, c.answered_in)
                   = 'answered' THEN
                UPDATE service_intervals SET wrap_up = wrap_up + delta
                WHERE first_service = COALESCE(c.service_path[1], c.service)
                  AND interval_start = quarter_hour(c.entered_queue_at);
            END IF;
        END LOOP;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE TRIGGER wrap_up_ended
    AFTER INSERT ON agent_states
    FOR EACH ROW EXECUTE FUNCTION wrap_up_ended();

-- Bucket numbers (0 to 601) into a histogram as the arrays above: element k + 1 counts k.
CREATE FUNCTION wait_histogram_add(counts integer[], k integer) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    counts[k + 1] := COALESCE(counts[k + 1], 0) + 1;
    RETURN counts;
END;
$$;

CREATE AGGREGATE wait_histogram(integer) (
    SFUNC = wait_histogram_add, STYPE = integer[], INITCOND = '{0}'
);

-- The counts again from the contacts: this migration's backfill, and a bulk load's after it
-- loaded with the triggers above disabled (bench/reports.py).
CREATE FUNCTION rebuild_service_intervals() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM service_intervals;
    INSERT INTO service_intervals
    WITH c AS (
        SELECT COALESCE(service_path[1], service) AS first,
               quarter_hour(entered_queue_at) AS start,
               contact_fate(service_path, service, outcome, answered_at IS NOT NULL,
                            answered_in) AS fate,
               wait_seconds AS w, COALESCE(talk_seconds, 0) AS talk, agent_id, ended_at
        FROM contacts
        WHERE entered_queue_at IS NOT NULL AND ended_at IS NOT NULL
          AND COALESCE(service_path[1], service) IS NOT NULL
    ), f AS (  -- contact_wrap_up, written out: a join PostgreSQL plans once
        SELECT c.*, COALESCE(wrap.seconds, 0) AS wrap,
               least(greatest(ceil(w), 0), 601)::integer AS up,
               least(greatest(floor(w), 0), 601)::integer AS down
        FROM c
        LEFT JOIN LATERAL (
            SELECT EXTRACT(EPOCH FROM (
                SELECT n.at FROM agent_states n
                WHERE n.agent_id = s.agent_id AND (n.at, n.id) > (s.at, s.id)
                  AND n.state <> 'wrap_up'
                ORDER BY n.at, n.id LIMIT 1
            ) - s.at)::double precision AS seconds
            FROM agent_states s
            WHERE c.fate = 'answered' AND s.agent_id = c.agent_id AND s.at = c.ended_at
              AND s.state = 'wrap_up'
            ORDER BY s.id LIMIT 1
        ) AS wrap ON true
    )
    SELECT first, start, count(*),
           count(*) FILTER (WHERE fate = 'answered'),
           count(*) FILTER (WHERE fate = 'abandoned'),
           count(*) FILTER (WHERE fate = 'overflowed'),
           count(*) FILTER (WHERE fate = 'voicemail'),
           count(*) FILTER (WHERE fate NOT IN ('answered', 'abandoned', 'overflowed',
                                               'voicemail')),
           COALESCE(sum(w) FILTER (WHERE fate = 'answered'), 0),
           COALESCE(sum(talk) FILTER (WHERE fate = 'answered'), 0),
           COALESCE(sum(wrap) FILTER (WHERE fate = 'answered'), 0),
           max(w),
           COALESCE(wait_histogram(up) FILTER (WHERE fate = 'answered'), '{0}'),
           COALESCE(wait_histogram(up) FILTER (WHERE fate = 'abandoned'), '{0}'),
           COALESCE(wait_histogram(down) FILTER (WHERE fate = 'abandoned'), '{0}')
    FROM f GROUP BY first, start;
END;
$$;

SELECT rebuild_service_intervals();
