package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// LoadInstances returns every stored instance, terminated ones included, in
// the order they were created.
func (s *Store) LoadInstances(ctx context.Context) ([]*instance.Instance, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT version, data FROM instances ORDER BY rowid`)
	if err != nil {
		return nil, internal("load instances", err)
	}
	defer rows.Close()
	var out []*instance.Instance
	for rows.Next() {
		var (
			version int64
			data    sql.RawBytes // valid until Next; decoded at once
		)
		if err := rows.Scan(&version, &data); err != nil {
			return nil, internal("load instances", err)
		}
		inst := new(instance.Instance)
		if err := json.Unmarshal(data, inst); err != nil {
			return nil, internal("decode instance", err)
		}
		inst.Version = version // the column is authoritative
		out = append(out, inst)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("load instances", err)
	}
	return out, nil
}

// CreateInstances stores new instances, each with the Version it carries, and
// appends events, all in one transaction. An id that exists already, or
// appears twice in insts, is AlreadyExists and nothing is written. On success
// the store sets events[i].Seq to the sequence number it assigned; on failure
// events is left as it was.
func (s *Store) CreateInstances(ctx context.Context, insts []*instance.Instance, events []instance.Event) error {
	type row struct {
		inst *instance.Instance
		data []byte
	}
	rows := make([]row, 0, len(insts))
	for _, inst := range insts {
		if inst == nil || inst.ID == "" {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "", "instance id is empty")
		}
		data, err := encodeInstance(inst, inst.Version)
		if err != nil {
			return err
		}
		rows = append(rows, row{inst, data})
	}
	evs, err := encodeEvents(events)
	if err != nil {
		return err
	}
	now := formatTime(s.clock.Now())
	var seqs []int64
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			res, err := tx.StmtContext(ctx, s.insertInstance).ExecContext(ctx,
				r.inst.ID, r.inst.AccountID, string(r.inst.State), r.inst.Version, now, string(r.data))
			if err != nil {
				return internal("insert instance", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return internal("insert instance", err)
			} else if n == 0 {
				return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResInstance, r.inst.ID,
					"instance %s already exists", r.inst.ID)
			}
		}
		seqs, err = s.insertEvents(ctx, tx, evs)
		return err
	})
	if err != nil {
		return err
	}
	for i := range events {
		events[i].Seq = seqs[i]
	}
	return nil
}

// UpdateInstance replaces the stored instance whose version equals
// inst.Version and appends ev (when not nil) in the same transaction. On
// success inst.Version is incremented and ev.Seq set to the sequence number
// the store assigned; on failure neither is touched. A missing instance is
// NotFound; a version mismatch is IncorrectState (resource ResInstance) and
// leaves the store unchanged.
func (s *Store) UpdateInstance(ctx context.Context, inst *instance.Instance, ev *instance.Event) error {
	return s.updateInstanceWith(ctx, inst, ev, nil)
}

// updateInstanceWith is UpdateInstance that also runs also (when not nil)
// in the same transaction, after the instance and its event are written.
func (s *Store) updateInstanceWith(ctx context.Context, inst *instance.Instance, ev *instance.Event, also func(*sql.Tx) error) error {
	if inst == nil || inst.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "", "instance id is empty")
	}
	next := inst.Version + 1
	data, err := encodeInstance(inst, next)
	if err != nil {
		return err
	}
	var evs []encodedEvent
	if ev != nil {
		if evs, err = encodeEvents([]instance.Event{*ev}); err != nil {
			return err
		}
	}
	now := formatTime(s.clock.Now())
	var seqs []int64
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.updateInstance).ExecContext(ctx,
			inst.AccountID, string(inst.State), next, now, string(data), inst.ID, inst.Version)
		if err != nil {
			return internal("update instance", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return internal("update instance", err)
		}
		if n == 0 {
			return s.updateConflict(ctx, tx, inst)
		}
		if seqs, err = s.insertEvents(ctx, tx, evs); err != nil || also == nil {
			return err
		}
		return also(tx)
	})
	if err != nil {
		return err
	}
	inst.Version = next
	if ev != nil {
		ev.Seq = seqs[0]
	}
	return nil
}

// updateConflict explains why an UPDATE matched no row.
func (s *Store) updateConflict(ctx context.Context, tx *sql.Tx, inst *instance.Instance) error {
	var stored int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM instances WHERE id = ?`, inst.ID).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errdefs.Newf(errdefs.NotFound, errdefs.ResInstance, inst.ID, "instance %s does not exist", inst.ID)
	case err != nil:
		return internal("read instance version", err)
	}
	e := errdefs.Newf(errdefs.IncorrectState, errdefs.ResInstance, inst.ID,
		"instance %s was changed concurrently", inst.ID)
	e.Err = fmt.Errorf("version %d, stored version %d", inst.Version, stored)
	return e
}

// DeleteInstances removes instances and appends a deleted event for each
// one that existed, in one transaction. Unknown ids are ignored. The events
// carry the store clock's time and the state the instance was in (From).
func (s *Store) DeleteInstances(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	now := s.clock.Now()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var evs []encodedEvent
		for _, id := range ids {
			var account, state string
			err := tx.QueryRowContext(ctx, `DELETE FROM instances WHERE id = ? RETURNING account_id, state`, id).
				Scan(&account, &state)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return internal("delete instance", err)
			}
			evs = append(evs, encodedEvent{Event: instance.Event{
				Time:       now,
				InstanceID: id,
				AccountID:  account,
				Type:       instance.EventDeleted,
				From:       instance.State(state),
			}})
		}
		_, err := s.insertEvents(ctx, tx, evs)
		return err
	})
}

// Events returns events with Seq > afterSeq in order, at most limit (0 = no
// limit), only those of instanceID unless it is empty. A negative limit is
// InvalidArgument.
func (s *Store) Events(ctx context.Context, afterSeq int64, instanceID string, limit int) ([]instance.Event, error) {
	if limit < 0 {
		return nil, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "event limit %d is negative", limit)
	}
	var (
		q    strings.Builder
		args = []any{afterSeq}
	)
	q.WriteString(`SELECT seq, time, instance_id, account_id, type, from_state, to_state, reason, detail
		FROM events WHERE seq > ?`)
	if instanceID != "" {
		q.WriteString(` AND instance_id = ?`)
		args = append(args, instanceID)
	}
	q.WriteString(` ORDER BY seq`)
	if limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, internal("query events", err)
	}
	defer rows.Close()
	var out []instance.Event
	for rows.Next() {
		var (
			ev       instance.Event
			t        string
			from, to string
			detail   []byte
		)
		if err := rows.Scan(&ev.Seq, &t, &ev.InstanceID, &ev.AccountID, &ev.Type, &from, &to, &ev.Reason, &detail); err != nil {
			return nil, internal("query events", err)
		}
		if ev.Time, err = parseTime(t); err != nil {
			return nil, internal("decode event time", err)
		}
		ev.From, ev.To = instance.State(from), instance.State(to)
		if detail != nil {
			if err := json.Unmarshal(detail, &ev.Detail); err != nil {
				return nil, internal("decode event detail", err)
			}
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("query events", err)
	}
	return out, nil
}

// encodeInstance returns the JSON of inst with the given version and every
// time in UTC.
func encodeInstance(inst *instance.Instance, version int64) ([]byte, error) {
	c := inst.Clone()
	c.Version = version
	c.CreatedAt = c.CreatedAt.UTC()
	c.LaunchTime = c.LaunchTime.UTC()
	c.TerminatedAt = c.TerminatedAt.UTC()
	for i := range c.Volumes {
		c.Volumes[i].AttachTime = c.Volumes[i].AttachTime.UTC()
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, errdefs.Wrap(fmt.Errorf("sqlite: encode instance %s: %w", inst.ID, err), "internal storage error")
	}
	return b, nil
}

// encodedEvent is an event with its detail already marshalled (nil when the
// event has none).
type encodedEvent struct {
	instance.Event
	detail []byte
}

// encodeEvents marshals the events' details before a transaction begins.
func encodeEvents(events []instance.Event) ([]encodedEvent, error) {
	out := make([]encodedEvent, len(events))
	for i, ev := range events {
		out[i].Event = ev
		if len(ev.Detail) == 0 {
			continue
		}
		b, err := json.Marshal(ev.Detail)
		if err != nil {
			return nil, internal("encode event detail", err)
		}
		out[i].detail = b
	}
	return out, nil
}

// insertEvents appends events and returns the sequence numbers assigned.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, evs []encodedEvent) ([]int64, error) {
	seqs := make([]int64, len(evs))
	if len(evs) == 0 {
		return seqs, nil
	}
	stmt := tx.StmtContext(ctx, s.insertEvent)
	for i, ev := range evs {
		var detail any // NULL without detail; TEXT (not BLOB) in the STRICT table
		if ev.detail != nil {
			detail = string(ev.detail)
		}
		err := stmt.QueryRowContext(ctx,
			formatTime(ev.Time), ev.InstanceID, ev.AccountID, ev.Type, string(ev.From), string(ev.To), ev.Reason, detail).
			Scan(&seqs[i])
		if err != nil {
			return nil, internal("append event", err)
		}
	}
	return seqs, nil
}
