package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// SetTimeout bounds every statement run from now on (each query, insert,
// update, delete and raw statement) to d; 0 means no bound. A database that
// stops answering (frozen, partitioned) then fails the statement with a
// deadline error, which Unavailable recognises, instead of holding the
// request forever. Migrations run before the bound is set, so a long ALTER
// is not cut.
func (s *DB) SetTimeout(d time.Duration) { s.timeout.Store(int64(d)) }

const cancelKey = "certgraph:cancel"

type deadline struct {
	parent context.Context
	cancel context.CancelFunc
}

// registerDeadlines installs the per-statement deadline on g's callbacks.
func registerDeadlines(g *gorm.DB, timeout *atomic.Int64) {
	begin := func(db *gorm.DB) {
		d := time.Duration(timeout.Load())
		if d <= 0 || db.Statement.Context == nil {
			return
		}
		parent := db.Statement.Context
		ctx, cancel := context.WithTimeout(parent, d)
		db.Statement.Context = ctx
		db.InstanceSet(cancelKey, deadline{parent, cancel})
	}
	// end restores the caller's context, so the logger (which runs after the
	// callbacks) sees whether the caller gave up, not the spent deadline.
	end := func(db *gorm.DB) {
		if v, ok := db.InstanceGet(cancelKey); ok {
			dl := v.(deadline)
			dl.cancel()
			db.Statement.Context = dl.parent
		}
	}
	cb := g.Callback()
	cb.Query().Before("*").Register("certgraph:deadline", begin)
	cb.Query().After("*").Register("certgraph:deadline_end", end)
	cb.Create().Before("*").Register("certgraph:deadline", begin)
	cb.Create().After("*").Register("certgraph:deadline_end", end)
	cb.Update().Before("*").Register("certgraph:deadline", begin)
	cb.Update().After("*").Register("certgraph:deadline_end", end)
	cb.Delete().Before("*").Register("certgraph:deadline", begin)
	cb.Delete().After("*").Register("certgraph:deadline_end", end)
	cb.Raw().Before("*").Register("certgraph:deadline", begin)
	cb.Raw().After("*").Register("certgraph:deadline_end", end)
	// Row hands back *sql.Rows read after the callbacks return: its context
	// must outlive them, so it is left to expire at its deadline.
	cb.Row().Before("*").Register("certgraph:deadline", begin)
}

// Unavailable reports whether err says the database did not answer (a
// statement deadline, a refused or broken connection, a locked SQLite
// file) rather than that the request was wrong: callers answer "try again
// later" (UNAVAILABLE), not "internal error".
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, mysqldriver.ErrInvalidConn), errors.As(err, &netErr):
		return true
	}
	msg := err.Error()
	for _, s := range []string{"database is locked", "database is closed", "connection refused", "bad connection", "broken pipe", "i/o timeout", "SQLITE_BUSY"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
