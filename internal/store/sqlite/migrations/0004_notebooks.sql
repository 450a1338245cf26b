-- 0004: SageMaker notebook instances and their lifecycle configurations
-- (core/notebook.Store).
--
-- Each table keeps the whole record as JSON in data; the other columns are
-- copies for the key, the compare-and-set and inspection. A record is keyed
-- by its account and the lower-cased name (name_key): SageMaker names that
-- differ only in case name the same resource. Creation order is rowid order.
CREATE TABLE notebooks (
    account_id TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL CHECK (json_valid(data)),
    UNIQUE (account_id, name_key)
) STRICT;

CREATE TABLE notebook_lifecycle_configs (
    account_id TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL CHECK (json_valid(data)),
    UNIQUE (account_id, name_key)
) STRICT;
