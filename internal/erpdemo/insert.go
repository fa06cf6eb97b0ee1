package erpdemo

import (
	"context"
	"database/sql"
	"fmt"
)

// Batching: rows per INSERT statement (bounded by the engine's parameter
// limit) and rows per transaction. One statement per few hundred rows is
// where the per-statement cost stops mattering; bounded transactions keep
// PostgreSQL and MySQL from holding a million-row transaction open.
const (
	batchRows = 500
	txRows    = 200_000
)

type writer struct {
	db *sql.DB
	d  dialect
}

// load fills table t with the rows fill emits.
func (w *writer) load(ctx context.Context, t *table, fill func(emit func(...any) error) error) error {
	ins := &inserter{ctx: ctx, w: w, t: t, ncol: len(t.cols)}
	ins.batch = min(batchRows, w.d.maxParams/ins.ncol)
	ins.args = make([]any, 0, ins.batch*ins.ncol)
	if err := fill(ins.row); err != nil {
		ins.abort()
		return err
	}
	if err := ins.finish(); err != nil {
		ins.abort()
		return err
	}
	return nil
}

// inserter accumulates rows and sends them a batch at a time through one
// prepared statement, reused for every full batch.
type inserter struct {
	ctx   context.Context
	w     *writer
	t     *table
	ncol  int
	batch int
	args  []any
	tx    *sql.Tx
	stmt  *sql.Stmt
	inTx  int
}

func (ins *inserter) row(vals ...any) error {
	if len(vals) != ins.ncol {
		return fmt.Errorf("erpdemo: %s row has %d values, want %d", ins.t.name, len(vals), ins.ncol)
	}
	for _, v := range vals {
		if dv, ok := v.(decimal); ok {
			v = ins.w.d.bind(dv)
		}
		ins.args = append(ins.args, v)
	}
	if len(ins.args) == ins.batch*ins.ncol {
		return ins.flush(true)
	}
	return nil
}

func (ins *inserter) begin() error {
	if ins.tx != nil {
		return nil
	}
	tx, err := ins.w.db.BeginTx(ins.ctx, nil)
	if err != nil {
		return fmt.Errorf("erpdemo: begin %s: %w", ins.t.name, err)
	}
	ins.tx, ins.inTx = tx, 0
	return nil
}

func (ins *inserter) flush(full bool) error {
	n := len(ins.args) / ins.ncol
	if n == 0 {
		return nil
	}
	if err := ins.begin(); err != nil {
		return err
	}
	var err error
	if full {
		if ins.stmt == nil {
			if ins.stmt, err = ins.tx.PrepareContext(ins.ctx, ins.w.d.insertSQL(ins.t, ins.batch)); err != nil {
				return fmt.Errorf("erpdemo: prepare %s insert: %w", ins.t.name, err)
			}
		}
		_, err = ins.stmt.ExecContext(ins.ctx, ins.args...)
	} else {
		_, err = ins.tx.ExecContext(ins.ctx, ins.w.d.insertSQL(ins.t, n), ins.args...)
	}
	if err != nil {
		return fmt.Errorf("erpdemo: insert into %s: %w", ins.t.name, err)
	}
	ins.args = ins.args[:0]
	ins.inTx += n
	if ins.inTx >= txRows {
		return ins.commit()
	}
	return nil
}

func (ins *inserter) commit() error {
	if ins.stmt != nil {
		ins.stmt.Close()
		ins.stmt = nil
	}
	if ins.tx == nil {
		return nil
	}
	err := ins.tx.Commit()
	ins.tx = nil
	if err != nil {
		return fmt.Errorf("erpdemo: commit %s: %w", ins.t.name, err)
	}
	return nil
}

func (ins *inserter) finish() error {
	if err := ins.flush(false); err != nil {
		return err
	}
	return ins.commit()
}

func (ins *inserter) abort() {
	if ins.stmt != nil {
		ins.stmt.Close()
		ins.stmt = nil
	}
	if ins.tx != nil {
		ins.tx.Rollback()
		ins.tx = nil
	}
}
