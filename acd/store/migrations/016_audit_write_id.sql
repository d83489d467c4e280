-- The store writer's id of each write, as migration 013 gives the other appended tables: an
-- audit entry retried or replayed from the spill file is kept once.
ALTER TABLE audit_log ADD COLUMN write_id text;
CREATE UNIQUE INDEX audit_log_write_id_idx ON audit_log (write_id);
