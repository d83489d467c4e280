-- The callbacks ended since a time (CallbackStore.ended_since): at an engine start, those of
-- the day for the wallboard's figures. A callback may end weeks after it was asked for (put
-- off again and again), so the request's index cannot bound it.
CREATE INDEX callbacks_ended_at_idx ON callbacks (ended_at) WHERE ended_at IS NOT NULL;
