package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// stmtCount is what MariaDB's general log saw of one kind of request,
// averaged per request: every command the server's connections sent.
type stmtCount struct {
	name       string
	requests   int
	data       float64 // statements that read or write data (Execute, or Query other than transaction control and SET)
	roundTrips float64 // every command: Prepare, Execute, Close stmt, Query, …
	txns       float64 // START TRANSACTION/BEGIN … COMMIT pairs
	sample     []string
}

// countStatements runs req k times, one after another, with MariaDB's
// general log on (to a table, for these seconds only; the previous settings
// are restored), and counts the commands sent by the connections of
// database dbName other than the counting connection itself. Nothing else
// may use dbName meanwhile: the benchmark calls it while only certgraph is
// connected.
func countStatements(ctx context.Context, db *sql.DB, dbName, name string, k int, req func(i int) error) (stmtCount, error) {
	out := stmtCount{name: name, requests: k}
	conn, err := db.Conn(ctx)
	if err != nil {
		return out, err
	}
	defer conn.Close()
	var generalLog, logOutput string
	var since time.Time
	if err := conn.QueryRowContext(ctx, "SELECT @@global.general_log, @@global.log_output, NOW(6)").Scan(&generalLog, &logOutput, &since); err != nil {
		return out, err
	}
	restore := func() {
		conn.ExecContext(context.WithoutCancel(ctx), "SET GLOBAL general_log = "+generalLog)
		conn.ExecContext(context.WithoutCancel(ctx), "SET GLOBAL log_output = '"+logOutput+"'")
	}
	if _, err := conn.ExecContext(ctx, "SET GLOBAL log_output = 'TABLE'"); err != nil {
		return out, fmt.Errorf("statement count needs the general log (SUPER privilege): %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SET GLOBAL general_log = 1"); err != nil {
		restore()
		return out, err
	}
	var reqErr error
	for i := range k {
		if reqErr = req(i); reqErr != nil {
			break
		}
	}
	threads, err := threadsOf(ctx, conn, dbName, since)
	restore()
	if reqErr != nil {
		return out, reqErr
	}
	if err != nil {
		return out, err
	}
	if len(threads) == 0 {
		return out, fmt.Errorf("no connection to %s seen in the general log", dbName)
	}
	q := "SELECT command_type, CONVERT(argument USING utf8mb4) FROM mysql.general_log WHERE event_time >= ? AND thread_id IN (?" +
		strings.Repeat(",?", len(threads)-1) + ") ORDER BY event_time"
	args := append([]any{since}, threads...)
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var data, trips, txns int
	for rows.Next() {
		var cmd, arg string
		if err := rows.Scan(&cmd, &arg); err != nil {
			return out, err
		}
		switch cmd {
		case "Connect", "Quit", "Init DB":
			continue
		}
		if strings.Contains(arg, "cache_invalidations") {
			// The invalidation tailer's poll (20 a second, with or without
			// requests) is the node's, not the request's.
			continue
		}
		trips++
		upper := strings.ToUpper(strings.TrimSpace(arg))
		switch {
		case cmd == "Query" && strings.HasPrefix(upper, "SET "):
			// session set-up of a new pooled connection: a round trip, not data
		case cmd == "Execute" || cmd == "Query" && !isTxnControl(upper):
			data++
			if len(out.sample) < 40 {
				out.sample = append(out.sample, cmd+": "+shorten(arg, 150))
			}
		case cmd == "Query" && (strings.HasPrefix(upper, "COMMIT")):
			txns++
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.data = float64(data) / float64(k)
	out.roundTrips = float64(trips) / float64(k)
	out.txns = float64(txns) / float64(k)
	return out, nil
}

func isTxnControl(s string) bool {
	for _, p := range []string{"START TRANSACTION", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// threadsOf lists the connections to dbName (other than conn's) that were
// open or connected since the instant given.
func threadsOf(ctx context.Context, conn *sql.Conn, dbName string, since time.Time) ([]any, error) {
	seen := map[int64]bool{}
	var out []any
	add := func(q string, args ...any) error {
		rows, err := conn.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return rows.Err()
	}
	if err := add("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", dbName); err != nil {
		return nil, err
	}
	err := add("SELECT thread_id FROM mysql.general_log WHERE event_time >= ? AND command_type IN ('Connect', 'Init DB') AND argument LIKE ? AND thread_id <> CONNECTION_ID()",
		since, "%"+dbName+"%")
	return out, err
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
