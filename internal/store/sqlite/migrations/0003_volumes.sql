-- 0003: volumes that outlive their instance.
--
-- A volume attached to an instance lives in the instance's row
-- (instances.data, "volumes"). When the instance terminates, each volume it
-- keeps (deleteOnTermination false) gets a row here, written in the same
-- transaction as the instance's change to terminated, so that it outlives
-- the instance row, which is purged after its retention. Attached volumes are
-- not mirrored here: each fact has one home (see core/instance/volumes.go).
--
-- data keeps the whole instance.DetachedVolume as JSON; the other columns are
-- copies for indexing and inspection.
CREATE TABLE volumes (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL DEFAULT '', -- the instance it was attached to last
    updated_at  TEXT NOT NULL,
    data        TEXT NOT NULL CHECK (json_valid(data))
) STRICT;

CREATE INDEX volumes_account_id ON volumes (account_id);

-- Terminated instances stored before this migration still hold the volumes
-- they kept; give those volumes their rows now, before a purge takes them.
INSERT INTO volumes (id, account_id, instance_id, updated_at, data)
SELECT json_extract(v.value, '$.id'), i.account_id, i.id, i.updated_at,
       json_object(
           'id',               json_extract(v.value, '$.id'),
           'accountId',        i.account_id,
           'origin',           COALESCE(json_extract(i.data, '$.origin'), ''),
           'availabilityZone', COALESCE(json_extract(i.data, '$.availabilityZone'), ''),
           'sizeGiB',          COALESCE(json_extract(v.value, '$.sizeGiB'), 0),
           'type',             COALESCE(json_extract(v.value, '$.type'), ''),
           'iops',             COALESCE(json_extract(v.value, '$.iops'), 0),
           'throughput',       COALESCE(json_extract(v.value, '$.throughput'), 0),
           'createdAt',        COALESCE(json_extract(v.value, '$.createdAt'), json_extract(v.value, '$.attachTime')),
           'tags',             json(COALESCE(json_extract(v.value, '$.tags'), '[]')),
           'instanceId',       i.id,
           'deviceName',       COALESCE(json_extract(v.value, '$.deviceName'), ''),
           'detachedAt',       COALESCE(json_extract(i.data, '$.terminatedAt'), i.updated_at))
FROM instances AS i, json_each(i.data, '$.volumes') AS v
WHERE i.state = 'terminated'
  AND json_extract(v.value, '$.id') IS NOT NULL
  AND NOT COALESCE(json_extract(v.value, '$.deleteOnTermination'), 0)
  AND NOT COALESCE(json_extract(v.value, '$.scratch'), 0)
ON CONFLICT (id) DO NOTHING;
