-- 0001: the initial schema.
--
-- Times are TEXT in UTC, RFC 3339 with a fixed nine-digit fraction
-- ("2006-01-02T15:04:05.000000000Z"), so they sort lexically and round-trip
-- with nanosecond precision. JSON columns hold encoding/json output.

-- instances keeps the whole instance.Instance as JSON in data; the other
-- columns are copies for indexing, the compare-and-set and inspection.
CREATE TABLE instances (
    id         TEXT    PRIMARY KEY NOT NULL,
    account_id TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL CHECK (json_valid(data))
) STRICT;

CREATE INDEX instances_account_id ON instances (account_id);

-- events is the lifecycle log. AUTOINCREMENT guarantees that a seq is never
-- reused, even after the newest rows are gone, so consumers can keep cursors.
-- Events outlive their instance (a deleted event is appended when the
-- instance row is removed), hence no foreign key.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    time        TEXT    NOT NULL,
    instance_id TEXT    NOT NULL,
    account_id  TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    from_state  TEXT    NOT NULL DEFAULT '',
    to_state    TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    detail      TEXT             CHECK (detail IS NULL OR json_valid(detail))
) STRICT;

CREATE INDEX events_instance_id ON events (instance_id, seq);

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- access_keys holds secrets in clear (SigV4 and its cousins need the secret
-- itself); the database file is therefore created 0600.
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY NOT NULL,
    secret        TEXT NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    description   TEXT NOT NULL DEFAULT '',
    policy        TEXT          CHECK (policy IS NULL OR json_valid(policy)),
    created_at    TEXT NOT NULL
) STRICT;

CREATE INDEX access_keys_account_id ON access_keys (account_id, created_at);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
