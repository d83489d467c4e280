-- The engine's every agent state is one change appended after the agent's last (017's fast
-- path). It closes one stretch, the change before it, and may count an answer. 017 built a
-- JSON array of that one pair and read it back in agent_intervals_add's general query
-- (CTEs, two aggregations, pauses_add on every row it touched): about 0.6 ms of the
-- server's CPU per state, four states a call, most of PostgreSQL's work a call
-- (docs/benchmarks.md). The same counts are now added straight from the two rows: one
-- upsert per quarter hour the stretch touches, one for the answer, pauses_add only for a
-- pause. Bulk inserts, corrections and deletions still go through
-- agent_intervals_recount.

-- ``r``'s stretch closed by ``r`` after ``p`` (the agent's change before it, or NULL for its
-- first), as agent_intervals_add counts the pair (sign 1).
CREATE FUNCTION agent_interval_closed(p agent_states, r agent_states) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    q record;
BEGIN
    IF p.at IS NOT NULL AND p.state <> 'logged_out' THEN
        FOR q IN SELECT * FROM quarter_hour_pieces(p.at, r.at) LOOP
            PERFORM agent_interval_add(r.agent_id, q.interval_start, p.state, p.reason,
                                       q.seconds, 0);
        END LOOP;
    END IF;
    -- an answer: into on_call from anything else; an agent's very first change counts
    IF r.state = 'on_call' AND (p.state IS DISTINCT FROM 'on_call' OR p.id IS NULL) THEN
        PERFORM agent_interval_add(r.agent_id, quarter_hour(r.at), 'on_call', '', 0, 1);
    END IF;
END;
$$;

-- One piece of agent_intervals_add: ``seconds`` in ``state`` (and its reason's tally when
-- paused) and ``calls`` answers, added to the agent's quarter hour.
CREATE FUNCTION agent_interval_add(agent text, quarter timestamptz, state text, reason text,
                                   seconds double precision, calls integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pauses jsonb := CASE WHEN state = 'paused' THEN jsonb_build_object(reason, seconds)
                         ELSE '{}' END;
BEGIN
    INSERT INTO agent_intervals AS t (agent_id, interval_start, ready, paused, ringing,
                                     on_call, wrap_up, calls, pauses)
    VALUES (agent, quarter,
            CASE WHEN state = 'ready' THEN seconds ELSE 0 END,
            CASE WHEN state = 'paused' THEN seconds ELSE 0 END,
            CASE WHEN state = 'ringing' THEN seconds ELSE 0 END,
            CASE WHEN state = 'on_call' THEN seconds ELSE 0 END,
            CASE WHEN state = 'wrap_up' THEN seconds ELSE 0 END,
            calls, pauses)
    ON CONFLICT (agent_id, interval_start) DO UPDATE SET
        ready = t.ready + EXCLUDED.ready, paused = t.paused + EXCLUDED.paused,
        ringing = t.ringing + EXCLUDED.ringing, on_call = t.on_call + EXCLUDED.on_call,
        wrap_up = t.wrap_up + EXCLUDED.wrap_up, calls = t.calls + EXCLUDED.calls,
        -- (pauses_add('{}', '{}') is '{}': the common case without the call)
        pauses = CASE WHEN EXCLUDED.pauses = '{}' AND t.pauses = '{}' THEN t.pauses
                      ELSE pauses_add(t.pauses, EXCLUDED.pauses) END;
END;
$$;

CREATE OR REPLACE FUNCTION agent_states_added() RETURNS trigger
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
            PERFORM agent_interval_closed(p, r);
            RETURN NULL;
        END IF;
    END IF;
    PERFORM agent_intervals_recount((SELECT jsonb_agg(a) FROM added a), '[]');
    RETURN NULL;
END;
$$;
