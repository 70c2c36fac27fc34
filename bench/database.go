package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlConfig turns a certgraph database URL (mysql://…) into a driver
// configuration with one round trip per statement (client-side
// interpolation), the lean baseline the bare handlers stand for.
func mysqlConfig(url string) (*mysql.Config, error) {
	dsn, ok := strings.CutPrefix(url, "mysql://")
	if !ok {
		return nil, fmt.Errorf("--database-url: must start with mysql:// (the benchmark runs on MySQL/MariaDB), got %q", url)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("--database-url: %v", err)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("--database-url: names no database")
	}
	cfg.ParseTime = true
	cfg.InterpolateParams = true
	cfg.Loc = time.UTC
	return cfg, nil
}

// openDB opens cfg's database, creating it (utf8mb4, binary collation, as
// certgraph's migrations expect) when it does not exist.
func openDB(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	server := cfg.Clone()
	server.DBName = ""
	s, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if _, err := s.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+cfg.DBName+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return nil, fmt.Errorf("create database %s: %w", cfg.DBName, err)
	}
	return sql.Open("mysql", cfg.FormatDSN())
}

// countCertificates is how many certificates the database holds (0 when it
// has no tables yet).
func countCertificates(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM certificates").Scan(&n)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1146 { // no such table
		return 0, nil
	}
	return n, err
}

// prepareData makes sure the database holds o.certificates certificates,
// seeding them with `certgraph seed` (the real code path) when it is empty.
// It returns how long seeding took (0 when the data was reused).
func prepareData(ctx context.Context, o *options, cfg *mysql.Config, binary, dataDir string) (time.Duration, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, err := countCertificates(ctx, db)
	if err != nil {
		return 0, err
	}
	if n == o.certificates {
		fmt.Printf("reusing %s: %d certificates\n", cfg.DBName, n)
		return 0, nil
	}
	if n != 0 {
		if !o.reseed {
			return 0, fmt.Errorf("database %s holds %d certificates, not %d: pass --reseed to drop and seed it again, or name another database", cfg.DBName, n, o.certificates)
		}
		fmt.Printf("dropping %s (%d certificates)\n", cfg.DBName, n)
		if _, err := db.ExecContext(ctx, "DROP DATABASE `"+cfg.DBName+"`"); err != nil {
			return 0, err
		}
		if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+cfg.DBName+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
			return 0, err
		}
	}
	fmt.Printf("seeding %d certificates with %s seed\n", o.certificates, binary)
	start := time.Now()
	cmd := exec.CommandContext(ctx, binary, "seed", "--database-url", o.databaseURL, "--data-dir", dataDir, "--key-dir", o.keyDir,
		"--certificates", fmt.Sprint(o.certificates), "--seed", fmt.Sprint(o.seed), "--files", "0", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("certgraph seed: %w", err)
	}
	took := time.Since(start)
	if n, err = countCertificates(ctx, db); err != nil {
		return 0, err
	}
	if n != o.certificates {
		return 0, fmt.Errorf("certgraph seed left %d certificates, not %d", n, o.certificates)
	}
	return took, nil
}

// workload is what the scenarios read: certificate identifiers and holder
// codes sampled uniformly from the whole database.
type workload struct {
	hot     []string    // the hot set: cache-hot and in-memory reads cycle through it
	cold    []string    // read once each, in order, by the uncached scenarios
	holders []holderKey // holders with certificates, each read once
}

// sample draws the workload (certificates issued in province 51, the
// server's region). The cold pool is large enough that no
// identifier repeats within the certgraph cache TTL at the rates measured.
func sample(ctx context.Context, db *sql.DB, total, hot int) (*workload, error) {
	coldWant := min(total, 400_000)
	p := min(1.0, float64(coldWant+hot)*1.05/float64(total))
	// Only this node's certificates: another province's are answered by
	// the national platform, which the benchmark server does not reach.
	ids, err := strings1(ctx, db, "SELECT id FROM certificates WHERE issue_dept_code LIKE '__51%' AND RAND(7) < ?", p)
	if err != nil {
		return nil, err
	}
	if len(ids) < hot+100 {
		return nil, fmt.Errorf("sampled only %d local certificates: the hot set of %d needs at least 100 more (lower --hot or seed more)", len(ids), hot)
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	var holders int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM holders").Scan(&holders); err != nil {
		return nil, err
	}
	hp := min(1.0, 200_000*1.05/float64(max(holders, 1)))
	rows, err := db.QueryContext(ctx, "SELECT h.code, h.type_code FROM holders h WHERE RAND(11) < ? AND EXISTS (SELECT 1 FROM certificates c WHERE c.holder_id = h.id)", hp)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var codes []holderKey
	for rows.Next() {
		var k holderKey
		if err := rows.Scan(&k.Code, &k.Type); err != nil {
			return nil, err
		}
		codes = append(codes, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("no holder with certificates")
	}
	r.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
	return &workload{hot: ids[:hot], cold: ids[hot:], holders: codes}, nil
}

// holderKey names a holder: code and holder type (the type is sent so the
// code is checked by its own rule, not guessed from its shape).
type holderKey struct {
	Code string `json:"code"`
	Type string `json:"type"`
}

func strings1(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
