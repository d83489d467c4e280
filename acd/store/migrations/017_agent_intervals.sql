-- The agents' report's seconds per (agent, UTC quarter hour), kept by triggers, so a day of
-- 200 agents reads some 8,000 rows instead of every state change (docs/reports.md, "The
-- agents' interval table"; docs/benchmarks.md). As ``reports.agent_time`` counts them from the
-- changes: each change starts a stretch in its state that lasts until the agent's next
-- change (by at, then id), cut at every quarter hour; an answer is a change into on_call
-- from anything else (an agent's first change counts from logged out), in the quarter hour
-- it happens. Only stretches a later change has closed are here: the report adds each
-- agent's last, open one from the changes themselves. Logged-out time counts for no figure
-- and is not kept (a weekend logged out would be 200 rows).
CREATE TABLE agent_intervals (
    agent_id       text NOT NULL,
    interval_start timestamptz NOT NULL,
    ready          double precision NOT NULL DEFAULT 0,  -- seconds by state
    paused         double precision NOT NULL DEFAULT 0,
    ringing        double precision NOT NULL DEFAULT 0,
    on_call        double precision NOT NULL DEFAULT 0,
    wrap_up        double precision NOT NULL DEFAULT 0,
    calls          integer NOT NULL DEFAULT 0,
    pauses         jsonb NOT NULL DEFAULT '{}',  -- paused seconds by reason ("" for none)
    PRIMARY KEY (agent_id, interval_start)
);

-- [a, b) cut at UTC quarter hours: each quarter hour it touches and the seconds in it.
CREATE FUNCTION quarter_hour_pieces(a timestamptz, b timestamptz)
RETURNS TABLE (interval_start timestamptz, seconds double precision)
LANGUAGE sql IMMUTABLE AS $$
    SELECT q, EXTRACT(EPOCH FROM least(b, q + interval '15 minutes') - greatest(a, q))::float8
    FROM generate_series(quarter_hour(a), b, interval '15 minutes') AS q
    WHERE a < b AND q < b
$$;

-- Two pause tallies added (a reason taken back to nothing leaves the tally).
CREATE FUNCTION pauses_add(x jsonb, y jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(jsonb_object_agg(k, v) FILTER (WHERE abs(v) > 1e-6), '{}')
    FROM (
        SELECT k, sum(v::float8) AS v
        FROM (SELECT * FROM jsonb_each_text(x) UNION ALL SELECT * FROM jsonb_each_text(y)) AS e(k, v)
        GROUP BY k
    ) AS s
$$;

-- What a list of changes adds to the table (sign 1) or takes back (-1): each pair of
-- consecutive changes of an agent, ``stretches`` (sign, agent_id, before_state,
-- before_reason, before_at, state, at, counts_first): the stretch of the earlier one, the
-- answer of the later one. ``counts_first``: an agent's very first change (no earlier one)
-- counts its answer.
CREATE FUNCTION agent_intervals_add(pairs jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agent_intervals AS t (agent_id, interval_start, ready, paused, ringing,
                                     on_call, wrap_up, calls, pauses)
    WITH p AS (
        SELECT * FROM jsonb_to_recordset(pairs) AS x(sign integer, agent_id text,
            before_state text, before_reason text, before_at timestamptz, state text,
            at timestamptz, counts_first boolean)
    ), piece AS (
        SELECT p.sign, p.agent_id, q.interval_start, p.before_state AS state,
               p.before_reason AS reason, q.seconds, 0 AS calls
        FROM p CROSS JOIN LATERAL quarter_hour_pieces(p.before_at, p.at) AS q
        WHERE p.before_at IS NOT NULL AND p.before_state <> 'logged_out'
        UNION ALL
        SELECT p.sign, p.agent_id, quarter_hour(p.at), 'on_call', '', 0, 1
        FROM p
        WHERE p.state = 'on_call'
          AND (p.before_state <> 'on_call' OR (p.before_at IS NULL AND p.counts_first))
    ), reasons AS (
        SELECT agent_id, interval_start, jsonb_object_agg(reason, seconds) AS pauses
        FROM (
            SELECT agent_id, interval_start, reason, sum(sign * seconds) AS seconds
            FROM piece WHERE state = 'paused' GROUP BY agent_id, interval_start, reason
        ) AS r
        GROUP BY agent_id, interval_start
    ), summed AS (
        SELECT agent_id, interval_start,
               COALESCE(sum(sign * seconds) FILTER (WHERE state = 'ready'), 0) AS ready,
               COALESCE(sum(sign * seconds) FILTER (WHERE state = 'paused'), 0) AS paused,
               COALESCE(sum(sign * seconds) FILTER (WHERE state = 'ringing'), 0) AS ringing,
               COALESCE(sum(sign * seconds) FILTER (WHERE state = 'on_call'), 0) AS on_call,
               COALESCE(sum(sign * seconds) FILTER (WHERE state = 'wrap_up'), 0) AS wrap_up,
               sum(sign * calls)::integer AS calls
        FROM piece GROUP BY agent_id, interval_start
    )
    SELECT s.*, COALESCE(r.pauses, '{}')
    FROM summed s LEFT JOIN reasons r USING (agent_id, interval_start)
    ON CONFLICT (agent_id, interval_start) DO UPDATE SET
        ready = t.ready + EXCLUDED.ready, paused = t.paused + EXCLUDED.paused,
        ringing = t.ringing + EXCLUDED.ringing, on_call = t.on_call + EXCLUDED.on_call,
        wrap_up = t.wrap_up + EXCLUDED.wrap_up, calls = t.calls + EXCLUDED.calls,
        pauses = pauses_add(t.pauses, EXCLUDED.pauses);
END;
$$;

-- The changes of a statement (inserted, deleted or updated: ``added`` the rows now in the
-- table, ``removed`` those gone), counted: per agent, the window from its last unchanged
-- change before the first changed one to its first unchanged change after the last
-- changed one; the pairs of that window before the statement are taken back and those
-- after it added. An append (the engine's every write) takes back nothing and adds the
-- stretch its change closes; a bulk insert, a change inserted out of order, a deletion or
-- a correction each count right.
CREATE FUNCTION agent_intervals_recount(added jsonb, removed jsonb)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pairs jsonb;
BEGIN
    WITH plus AS MATERIALIZED (
        SELECT agent_id, at, id FROM jsonb_populate_recordset(NULL::agent_states, added)
    ), changed AS (
        SELECT agent_id, at, id FROM plus
        UNION ALL SELECT agent_id, at, id FROM jsonb_populate_recordset(NULL::agent_states, removed)
    ), lo AS (
        SELECT DISTINCT ON (agent_id) agent_id, at, id FROM changed ORDER BY agent_id, at, id
    ), hi AS (
        SELECT DISTINCT ON (agent_id) agent_id, at, id FROM changed
        ORDER BY agent_id, at DESC, id DESC
    ), bounds AS (
        SELECT lo.agent_id, p.at AS p_at, p.id AS p_id, n.at AS n_at, n.id AS n_id
        FROM lo JOIN hi USING (agent_id)
        LEFT JOIN LATERAL (
            SELECT s.at, s.id FROM agent_states s
            WHERE s.agent_id = lo.agent_id AND (s.at, s.id) < (lo.at, lo.id)
            ORDER BY s.at DESC, s.id DESC LIMIT 1
        ) AS p ON true
        LEFT JOIN LATERAL (
            SELECT s.at, s.id FROM agent_states s
            WHERE s.agent_id = hi.agent_id AND (s.at, s.id) > (hi.at, hi.id)
            ORDER BY s.at, s.id LIMIT 1
        ) AS n ON true
    ), now_rows AS (  -- the window as it is
        SELECT 1 AS sign, s.agent_id, s.state, s.reason, s.at, s.id, b.p_at IS NULL AS from_first
        FROM bounds b JOIN agent_states s ON s.agent_id = b.agent_id
        WHERE (s.at, s.id) >= (COALESCE(b.p_at, '-infinity'), COALESCE(b.p_id, 0))
          AND (s.at, s.id) <= (COALESCE(b.n_at, 'infinity'), COALESCE(b.n_id, 0))
    ), then_rows AS (  -- the window as it was: without the added, with the removed
        SELECT -1 AS sign, agent_id, state, reason, at, id, from_first FROM now_rows
        WHERE NOT EXISTS (SELECT FROM plus WHERE plus.id = now_rows.id)
        UNION ALL
        SELECT -1, r.agent_id, r.state, r.reason, r.at, r.id, b.p_at IS NULL
        FROM jsonb_populate_recordset(NULL::agent_states, removed) AS r JOIN bounds b USING (agent_id)
    ), windows AS (
        SELECT * FROM now_rows UNION ALL SELECT * FROM then_rows
    )
    SELECT jsonb_agg(x) INTO pairs FROM (
        SELECT sign, agent_id, state, at, from_first AS counts_first,
               lag(state) OVER w AS before_state, lag(reason) OVER w AS before_reason,
               lag(at) OVER w AS before_at
        FROM windows
        WINDOW w AS (PARTITION BY sign, agent_id ORDER BY at, id)
    ) AS x;
    IF pairs IS NOT NULL THEN
        PERFORM agent_intervals_add(pairs);
    END IF;
END;
$$;

-- The engine's every write is one change appended after the agent's last: it closes the
-- stretch of the change before it, and nothing else moves (the fast way, same counts).
CREATE FUNCTION agent_states_added() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r agent_states;
    p agent_states;
BEGIN
    IF (SELECT count(*) FROM (SELECT FROM added LIMIT 2) AS two) = 1 THEN
        SELECT * INTO r FROM added;
        IF NOT EXISTS (SELECT FROM agent_states s WHERE s.agent_id = r.agent_id
                       AND (s.at, s.id) > (r.at, r.id)) THEN
            SELECT * INTO p FROM agent_states s
            WHERE s.agent_id = r.agent_id AND (s.at, s.id) < (r.at, r.id)
            ORDER BY s.at DESC, s.id DESC LIMIT 1;
            PERFORM agent_intervals_add(jsonb_build_array(jsonb_build_object(
                'sign', 1, 'agent_id', r.agent_id, 'before_state', p.state,
                'before_reason', p.reason, 'before_at', p.at, 'state', r.state, 'at', r.at,
                'counts_first', p.id IS NULL)));
            RETURN NULL;
        END IF;
    END IF;
    PERFORM agent_intervals_recount((SELECT jsonb_agg(a) FROM added a), '[]');
    RETURN NULL;
END;
$$;

CREATE FUNCTION agent_states_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM agent_intervals_recount('[]', (SELECT jsonb_agg(r) FROM removed r));
    RETURN NULL;
END;
$$;

CREATE FUNCTION agent_states_corrected() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM agent_intervals_recount((SELECT jsonb_agg(a) FROM added a), (SELECT jsonb_agg(r) FROM removed r));
    RETURN NULL;
END;
$$;

CREATE FUNCTION agent_states_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE agent_intervals;
    RETURN NULL;
END;
$$;

-- Per statement, with the statement's rows: a COPY of a day's changes is counted at once.
CREATE TRIGGER agent_states_added AFTER INSERT ON agent_states
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION agent_states_added();
CREATE TRIGGER agent_states_removed AFTER DELETE ON agent_states
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION agent_states_removed();
CREATE TRIGGER agent_states_corrected AFTER UPDATE ON agent_states
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION agent_states_corrected();
CREATE TRIGGER agent_states_truncated AFTER TRUNCATE ON agent_states
    FOR EACH STATEMENT EXECUTE FUNCTION agent_states_truncated();

-- The table again from every change: this migration's backfill, and a bulk load's after it
-- loaded with the triggers above disabled (bench/reports.py).
CREATE FUNCTION rebuild_agent_intervals() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agent_intervals;
    INSERT INTO agent_intervals
    WITH p AS (
        SELECT agent_id, state, at, lag(state) OVER w AS before_state,
               lag(reason) OVER w AS before_reason, lag(at) OVER w AS before_at
        FROM agent_states
        WINDOW w AS (PARTITION BY agent_id ORDER BY at, id)
    ), piece AS (
        SELECT p.agent_id, q.interval_start, p.before_state AS state,
               p.before_reason AS reason, q.seconds, 0 AS calls
        FROM p CROSS JOIN LATERAL quarter_hour_pieces(p.before_at, p.at) AS q
        WHERE p.before_at IS NOT NULL AND p.before_state <> 'logged_out'
        UNION ALL
        SELECT p.agent_id, quarter_hour(p.at), 'on_call', '', 0, 1
        FROM p WHERE p.state = 'on_call' AND p.before_state IS DISTINCT FROM 'on_call'
    ), reasons AS (
        SELECT agent_id, interval_start, jsonb_object_agg(reason, seconds) AS pauses
        FROM (
            SELECT agent_id, interval_start, reason, sum(seconds) AS seconds
            FROM piece WHERE state = 'paused' GROUP BY agent_id, interval_start, reason
        ) AS r
        GROUP BY agent_id, interval_start
    ), summed AS (
        SELECT agent_id, interval_start,
               COALESCE(sum(seconds) FILTER (WHERE state = 'ready'), 0) AS ready,
               COALESCE(sum(seconds) FILTER (WHERE state = 'paused'), 0) AS paused,
               COALESCE(sum(seconds) FILTER (WHERE state = 'ringing'), 0) AS ringing,
               COALESCE(sum(seconds) FILTER (WHERE state = 'on_call'), 0) AS on_call,
               COALESCE(sum(seconds) FILTER (WHERE state = 'wrap_up'), 0) AS wrap_up,
               sum(calls)::integer AS calls
        FROM piece GROUP BY agent_id, interval_start
    )
    SELECT s.*, COALESCE(r.pauses, '{}')
    FROM summed s LEFT JOIN reasons r USING (agent_id, interval_start);
END;
$$;

SELECT rebuild_agent_intervals();
