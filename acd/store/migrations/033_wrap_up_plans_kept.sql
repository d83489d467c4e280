-- The wrap-up's figures without planning their queries again at every call (seen with
-- pg_stat_statements under bench/load.py: docs/benchmarks.md). contact_wrap_up (014), a SQL
-- function with sub-selects, cannot be inlined, so PostgreSQL planned its body at each
-- contact's end (most of its cost); in plpgsql its two queries keep their plans for the
-- session. wrap_up_ended's queries kept choosing a plan of their own for each agent state
-- (their parameters' ranges vary): the generic plan serves them all, an index scan on
-- (agent_id, at, id) either way. Same answers: tests/integration/store.

CREATE OR REPLACE FUNCTION contact_wrap_up(agent text, ended timestamptz)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s record;
    until timestamptz;
BEGIN
    SELECT w.at, w.id INTO s FROM agent_states w
    WHERE w.agent_id = agent AND w.at = ended AND w.state = 'wrap_up'
    ORDER BY w.id LIMIT 1;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    SELECT n.at INTO until FROM agent_states n
    WHERE n.agent_id = agent AND (n.at, n.id) > (s.at, s.id) AND n.state <> 'wrap_up'
    ORDER BY n.at, n.id LIMIT 1;
    RETURN COALESCE(EXTRACT(EPOCH FROM until - s.at)::double precision, 0);
END;
$$;

ALTER FUNCTION wrap_up_ended() SET plan_cache_mode = force_generic_plan;
