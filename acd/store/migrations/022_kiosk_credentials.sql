-- District totems' device credentials (acd/access/kiosks.py): one live credential per kiosk,
-- only the SHA-256 of its secret kept (a copy of the database opens no kiosk), revocable.
-- kiosk_id names a kiosk of the configuration (kiosks.totems), which the database does not
-- hold: a credential of a kiosk removed from the configuration is refused at use.
CREATE TABLE kiosk_credentials (
    credential_id text PRIMARY KEY CHECK (credential_id ~ '^[a-z0-9]{8}$'),
    kiosk_id      text NOT NULL,
    secret_hash   bytea NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used     timestamptz,
    revoked_at    timestamptz
);
CREATE UNIQUE INDEX kiosk_credentials_live ON kiosk_credentials (kiosk_id)
    WHERE revoked_at IS NULL;
