// Command bench measures certgraph against bare net/http + database/sql
// handlers that answer the same JSON from the same MariaDB tables, side by
// side in one run on one machine, and prints rps, p50/p99 and the ratios.
//
//	go run ./bench --certificates 20000 --database-url 'mysql://root@tcp(127.0.0.1:3306)/certgraph_bench' --clients 32 --duration 10s
//
// It seeds the database with the built binary's `certgraph seed` (or reuses
// it when it already holds that many certificates), starts a real certgraph
// server process from the built binary and the bare handlers in a second
// process (this command, as `bench bare-serve`), and runs every scenario in
// turn against one or the other.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := run
	if len(os.Args) > 1 && os.Args[1] == "bare-serve" {
		run = func(ctx context.Context, args []string) error { return serveBare(ctx, args[1:]) }
	}
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	certificates int
	databaseURL  string
	clients      int
	duration     time.Duration
	warmup       time.Duration
	binary       string
	keyDir       string
	seed         int64
	reseed       bool
	hot          int
	analystRuns  int
	rounds       int
	profileDir   string
	only         *regexp.Regexp
	markdown     bool
}

func parseOptions(args []string) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := &options{}
	fs.IntVar(&o.certificates, "certificates", 20000, "certificates in the database (seeded when it is empty)")
	fs.StringVar(&o.databaseURL, "database-url", "", "mysql://user:pass@tcp(host:3306)/db — a database used only by the benchmark")
	fs.IntVar(&o.clients, "clients", 32, "concurrent closed-loop clients")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each scenario")
	fs.StringVar(&o.binary, "binary", "", "certgraph binary to run; empty = go build the module this command is in")
	fs.StringVar(&o.keyDir, "key-dir", "", "certgraph's key directory, kept between runs: a database remembers the keys of the nodes that served it (default: a directory per database under the system temp dir)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of `certgraph seed`")
	fs.BoolVar(&o.reseed, "reseed", false, "drop and seed the database again when it holds a different number of certificates")
	fs.IntVar(&o.hot, "hot", 256, "certificates in the hot set the cache-hot and in-memory scenarios read")
	fs.IntVar(&o.rounds, "rounds", 1, "rounds of the read scenarios; each is reported by its median round")
	fs.IntVar(&o.analystRuns, "analyst-runs", 3, "runs of each analyst query (the median and max are reported)")
	fs.StringVar(&o.profileDir, "profile", "", "directory for `perf record` CPU profiles of the server under the certificate and holder loads (needs perf)")
	only := fs.String("only", "", "regexp: run only the scenarios whose name matches")
	fs.BoolVar(&o.markdown, "markdown", true, "print the tables as Markdown")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.databaseURL == "" {
		return nil, fmt.Errorf("--database-url: required (a MySQL/MariaDB database the benchmark may fill)")
	}
	if o.certificates <= 0 {
		return nil, fmt.Errorf("--certificates: must be positive, got %d", o.certificates)
	}
	if o.clients <= 0 {
		return nil, fmt.Errorf("--clients: must be positive, got %d", o.clients)
	}
	if o.duration <= 0 {
		return nil, fmt.Errorf("--duration: must be positive, got %s", o.duration)
	}
	if o.hot <= 0 {
		return nil, fmt.Errorf("--hot: must be positive, got %d", o.hot)
	}
	if o.rounds <= 0 {
		return nil, fmt.Errorf("--rounds: must be positive, got %d", o.rounds)
	}
	if o.analystRuns <= 0 {
		return nil, fmt.Errorf("--analyst-runs: must be positive, got %d", o.analystRuns)
	}
	re, err := regexp.Compile(*only)
	if err != nil {
		return nil, fmt.Errorf("--only: %v", err)
	}
	o.only = re
	return o, nil
}
