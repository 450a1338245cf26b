-- 0002: images that accounts import (core/catalog.ImageStore).
--
-- Each row is one image; its root filesystem lives on disk at rootfs (the
-- driver's image store). A deregistered image keeps its row, state
-- 'deregistered', because instances launched from it still boot from it.
-- An owner's available images have distinct names, as EC2's AMIs do.
CREATE TABLE images (
    id                  TEXT    PRIMARY KEY NOT NULL,
    owner_id            TEXT    NOT NULL,
    owner_alias         TEXT    NOT NULL DEFAULT '',
    name                TEXT    NOT NULL,
    description         TEXT    NOT NULL DEFAULT '',
    kind                TEXT    NOT NULL,
    rootfs              TEXT    NOT NULL DEFAULT '',
    digest              TEXT    NOT NULL DEFAULT '',
    size_bytes          INTEGER NOT NULL DEFAULT 0,
    state               TEXT    NOT NULL,
    public              INTEGER NOT NULL DEFAULT 0,
    root_device_type    TEXT    NOT NULL,
    root_device_name    TEXT    NOT NULL,
    root_size_gib       INTEGER NOT NULL,
    platform            TEXT    NOT NULL DEFAULT '',
    architecture        TEXT    NOT NULL,
    virtualization_type TEXT    NOT NULL DEFAULT '',
    hypervisor          TEXT    NOT NULL DEFAULT '',
    created_at          TEXT    NOT NULL
) STRICT;

CREATE INDEX images_owner_id ON images (owner_id, created_at);

CREATE UNIQUE INDEX images_owner_name ON images (owner_id, name) WHERE state = 'available';
