// Package store is the only package that speaks GORM and SQL: it opens the
// database (embedded SQLite or MySQL/MariaDB), keeps its schema current with
// versioned migrations, and offers every read and write the rest of the
// program needs as a named operation on *DB, each one query (or one
// transaction). Callers pass and receive models; they never see GORM.
package store

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database family a *gorm.DB talks to.
type Dialect string

// Supported dialects.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// mysqlTableOptions makes every table utf8mb4 with a binary collation:
// supplementary-plane characters (e.g. 𠈌) round-trip and codes compare exactly.
const mysqlTableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

// Open connects to databaseURL, or to the SQLite file certgraph.db in dataDir
// when databaseURL is empty. A URL of the form mysql://user:pass@host:3306/db?…
// (or …@tcp(host:3306)/db) selects MySQL/MariaDB.
func Open(databaseURL, dataDir string, log *slog.Logger) (*DB, error) {
	g, dialect, err := openGorm(databaseURL, dataDir, log)
	if err != nil {
		return nil, err
	}
	db := &DB{g: g, dialect: dialect, timeout: new(atomic.Int64), cat: &catalogues{maxAge: catalogueMaxAge}}
	registerDeadlines(g, db.timeout)
	return db, nil
}

func openGorm(databaseURL, dataDir string, log *slog.Logger) (*gorm.DB, Dialect, error) {
	cfg := &gorm.Config{
		Logger:                                   newLogger(log),
		DisableForeignKeyConstraintWhenMigrating: false,
		NowFunc:                                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	switch {
	case databaseURL == "":
		path, err := privateDatabaseFile(dataDir)
		if err != nil {
			return nil, "", err
		}
		// WAL lets readers proceed during writes; busy_timeout makes concurrent
		// writers wait instead of failing; _txlock=immediate takes the write
		// lock when a transaction begins, so a read-then-write transaction
		// never fails with SQLITE_BUSY_SNAPSHOT when another writer commits
		// in between; foreign_keys enforces cascades.
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err := gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			return nil, "", fmt.Errorf("open sqlite %s: %w", path, err)
		}
		return db, SQLite, nil
	case strings.HasPrefix(databaseURL, "mysql://"):
		dsn, err := MySQLDSN(databaseURL)
		if err != nil {
			return nil, "", err
		}
		// RETURNING (MariaDB ≥ 10.5) is off: it breaks on tables whose key is not "id"
		// and MySQL lacks it, so both behave alike.
		db, err := gorm.Open(mysql.New(mysql.Config{DSN: dsn, DisableWithReturning: true}), cfg)
		if err != nil {
			return nil, "", fmt.Errorf("open mysql: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, "", err
		}
		// Idle connections as many as open ones: a pool that keeps fewer
		// closes and reopens connections (TCP + handshake + SET NAMES) under
		// any load above its idle size.
		sqlDB.SetMaxOpenConns(maxConns)
		sqlDB.SetMaxIdleConns(maxConns)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
		return db, MySQL, nil
	}
	return nil, "", fmt.Errorf("database URL %q: want mysql://user:pass@host:3306/dbname (or empty for the embedded SQLite)", redact(databaseURL))
}

// privateDatabaseFile makes the data dir (0700) and the embedded database
// file (0600) readable by this user only, like the keys: the file holds
// citizens' codes and names. SQLite gives its -wal and -shm files the
// database file's mode. Existing looser modes are tightened.
func privateDatabaseFile(dataDir string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(dataDir, "certgraph.db")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("%s: %w", p, err)
		}
	}
	return path, nil
}

// maxConns bounds the MySQL connection pool, open and idle alike.
const maxConns = 64

// MySQLDSN turns a mysql:// URL into a go-sql-driver DSN, adding the
// parameters the store relies on (utf8mb4, parsed UTC times) unless given.
//
// interpolateParams=true makes every statement one round trip (the driver
// quotes the arguments into the text) instead of Prepare + Execute + Close.
// The driver's quoting is exact for utf8mb4 and follows the server's
// NO_BACKSLASH_ESCAPES mode; it is unsafe only for multi-byte charsets whose
// trailing bytes can be a backslash (GBK, Big5, SJIS), so a URL naming another
// charset is refused rather than interpolated.
//
// The address may be written as the driver writes it (tcp(host:3306),
// unix(/path/to.sock)) or as in other URLs: host, host:port, [v6]:port
// (port 3306 when omitted). The password is taken as written (not
// percent-decoded) and never appears in an error.
func MySQLDSN(databaseURL string) (string, error) {
	dsn := strings.TrimPrefix(databaseURL, "mysql://")
	// As the driver does: the database follows the last "/", the address
	// follows the last "@" before it (passwords may hold "@" and "/").
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		return "", fmt.Errorf("database URL %q names no database: write mysql://user:pass@host:3306/dbname", redact(databaseURL))
	}
	before, after := dsn[:slash], dsn[slash+1:]
	dbName, query, _ := strings.Cut(after, "?")
	if dbName == "" {
		return "", fmt.Errorf("database URL %q names no database: write mysql://user:pass@host:3306/dbname", redact(databaseURL))
	}
	user, addr := "", before
	if at := strings.LastIndex(before, "@"); at >= 0 {
		user, addr = before[:at+1], before[at+1:]
	}
	if addr != "" && !strings.Contains(addr, "(") {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			// No port: a bare host name or IPv6 address.
			host, port = strings.Trim(addr, "[]"), "3306"
		}
		if host == "" || strings.ContainsAny(host, " /()") {
			return "", fmt.Errorf("database URL %q: %q is not a host[:port]; write mysql://user:pass@host:3306/dbname", redact(databaseURL), addr)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("database URL %q: port %q is not a number from 1 to 65535", redact(databaseURL), port)
		}
		addr = "tcp(" + net.JoinHostPort(host, port) + ")"
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("database URL parameters (after ?): %w", err)
	}
	for k, v := range map[string]string{"charset": "utf8mb4", "parseTime": "true", "loc": "UTC", "collation": "utf8mb4_bin", "interpolateParams": "true",
		// A frozen or unreachable database fails the call instead of hanging
		// it: connecting within 5s, every network read and write within a
		// bound (longer than the slowest analyst query at a million rows).
		"timeout": "5s", "readTimeout": "60s", "writeTimeout": "30s"} {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	if cs := q.Get("charset"); cs != "utf8mb4" && cs != "utf8" {
		return "", fmt.Errorf("database URL charset %q: certgraph stores utf8mb4 (leave charset out)", cs)
	}
	return user + addr + "/" + dbName + "?" + q.Encode(), nil
}

// redact hides the password of a database URL (or DSN) in messages: what
// lies between the user name's ":" and the last "@".
func redact(u string) string {
	at := strings.LastIndex(u, "@")
	if at < 0 {
		return u
	}
	start := 0
	if i := strings.Index(u, "://"); i >= 0 && i < at {
		start = i + 3
	}
	if c := strings.Index(u[start:at], ":"); c >= 0 {
		return u[:start+c+1] + "***" + u[at:]
	}
	return u
}

// slowThreshold is the duration above which a statement is logged as slow.
const slowThreshold = 500 * time.Millisecond

type gormLogger struct{ log *slog.Logger }

func newLogger(l *slog.Logger) logger.Interface {
	if l == nil {
		l = slog.Default()
	}
	return gormLogger{l}
}

func (g gormLogger) LogMode(logger.LogLevel) logger.Interface { return g }

// ParamsFilter drops every statement's parameters from what Trace logs:
// they carry citizens' codes and names, token hashes and file contents.
// Logged statements show their "?" marks instead.
func (g gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
func (g gormLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if d := time.Since(begin); d > slowThreshold {
		sql, rows := fc()
		g.log.WarnContext(ctx, "slow sql", "duration", d, "rows", rows, "sql", truncate(sql, 300))
	}
	if err != nil && err != gorm.ErrRecordNotFound && ctx.Err() == nil {
		sql, _ := fc()
		g.log.DebugContext(ctx, "sql error", "err", err, "sql", truncate(sql, 300))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
