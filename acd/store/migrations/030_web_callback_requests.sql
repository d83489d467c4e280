-- Callbacks asked for on the city's website (POST /api/v1/callbacks: acd/web/website_callbacks.py,
-- docs/callbacks.md): one receipt per request that the engine answered with a callback (the
-- one it made, 201, or the one already pending for the number and service, 200), for the
-- daily limits (per token, per number) and the idempotency keys (a retry with the same key
-- gets the same answer). A refused request (a bad field, a limit, a closed slot) leaves none.
--
-- Personal data: the number is not here in clear but as its keyed pseudonym (the contacts'
-- after their retention, acd/privacy/numbers.py), enough to count a number's callbacks; the
-- request's body only as a keyed digest, enough to tell a retry from another request made
-- under the same key. A receipt is of no use after a day: the privacy purge deletes it after
-- two, an erasure of the number at once (acd/store/privacy.py, WebCallbackRequests).
CREATE TABLE web_callback_requests (
    token_id         text NOT NULL REFERENCES api_tokens (token_id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    call_id          text NOT NULL,        -- the callback (its contact's id too)
    created          boolean NOT NULL,     -- this request made it (false: it was pending)
    number_pseudonym text NOT NULL CHECK (starts_with(number_pseudonym, 'p:')),
    body_digest      text NOT NULL,
    status           smallint NOT NULL CHECK (status IN (200, 201)),
    answer           jsonb NOT NULL,       -- the answer's body, given again to a retry
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (token_id, idempotency_key)
);

CREATE INDEX web_callback_requests_by_token ON web_callback_requests (token_id, created_at);
CREATE INDEX web_callback_requests_by_number ON web_callback_requests (number_pseudonym, created_at)
    WHERE created;
CREATE INDEX web_callback_requests_by_call ON web_callback_requests (call_id);
CREATE INDEX web_callback_requests_by_age ON web_callback_requests (created_at);
