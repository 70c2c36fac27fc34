package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report prints the run's tables (Markdown, ready for README).
func (b *bench) report(out io.Writer, version, pool, flush string, seedTook time.Duration) {
	o := b.o
	fmt.Fprintf(out, "\n## certgraph vs bare handlers — %s, %d certificates, %d clients, %s per scenario after %s warm-up\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), o.certificates, o.clients, o.duration, o.warmup)
	fmt.Fprintf(out, "Machine: %d CPUs (%s/%s), MariaDB %s, innodb_buffer_pool_size %s, innodb_flush_log_at_trx_commit %s.\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, version, humanBytes(pool), flush)
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(la))
		fmt.Fprintf(out, "Load average at the end (1, 5, 15 min): %s %s %s — other work on the machine shows here.\n", f[0], f[1], f[2])
	}
	if seedTook > 0 {
		fmt.Fprintf(out, "Seeding (`certgraph seed --files 0`): %s.\n", seedTook.Round(time.Second))
	}
	if o.rounds > 1 {
		fmt.Fprintf(out, "Each read is its median of %d rounds (rps range in brackets; p99 range for the paced reads).\n", o.rounds)
	}
	fmt.Fprintln(out, "\n| read | rps | p50 | p99 | p99 in the server | errors | server CPU / read | MariaDB CPU / read | server RSS |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range b.order {
		r := b.results[k]
		label := r.name
		if r.rate > 0 {
			label = fmt.Sprintf("%s (%.0f rps offered)", r.name, r.rate)
		}
		errs := fmt.Sprint(r.errors)
		if r.dropped > 0 {
			errs += fmt.Sprintf(" (+%d not sent)", r.dropped)
		}
		rss := "—"
		if r.maxRSSKiB > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(r.maxRSSKiB)/1024)
		}
		rps := fmt.Sprintf("%.0f", r.rps())
		if r.rounds > 1 && r.rate > 0 {
			rps += fmt.Sprintf(" (p99 %s–%s)", ms(time.Duration(r.minRPS)), ms(time.Duration(r.maxRPS)))
		} else if r.rounds > 1 {
			rps += fmt.Sprintf(" (%.0f–%.0f)", r.minRPS, r.maxRPS)
		}
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label, rps, ms(r.p50), ms(r.p99), serverMS(r.serverP99), errs,
			ms(r.cpuPerRequest(0)), ms(r.cpuPerRequest(1)), rss)
	}

	fmt.Fprintln(out, "\n| issue 8 target | measured | target | met |")
	fmt.Fprintln(out, "|---|---:|---:|---|")
	ratio := func(label, a, bKey string, target float64) {
		ra, oka := b.results[a]
		rb, okb := b.results[bKey]
		if !oka || !okb || rb.ok == 0 {
			return
		}
		v := ra.rps() / rb.rps()
		fmt.Fprintf(out, "| %s | %.2f× | ≥ %.2g× | %s |\n", label, v, target, yes(v >= target))
	}
	ratio("certificate(id) cache-hot ÷ bare from memory, no audit", "cert-hot", "bare-mem", 0.5)
	ratio("certificate(id) cache-hot ÷ bare from memory + audit", "cert-hot", "bare-mem-audit", 1.0)
	ratio("certificate(id) uncached ÷ bare from the database + audit", "cert-cold", "bare-db", 1.0)
	ratio("holder { certificates { surfaces } } ÷ bare 3-statement holder", "holder", "bare-holder", 1.0)
	ratio("legacy 6.4.2 ÷ the same GraphQL selection", "legacy-642", "gql-642", 0.9)
	for _, k := range []string{"paced-cert-hot", "paced-cert-cold", "paced-holder"} {
		if r, ok := b.results[k]; ok {
			fmt.Fprintf(out, "| p99 of %s | %s | ≤ 20 ms | %s |\n", r.name[len("certgraph: "):], ms(r.p99), yes(r.p99 <= 20*time.Millisecond && r.errors == 0))
		}
	}
	for _, k := range []string{"paced-bare-mem-audit", "paced-bare-db", "paced-bare-holder"} {
		if r, ok := b.results[k]; ok {
			fmt.Fprintf(out, "| (reference) p99 of %s | %s | — | — |\n", r.name, ms(r.p99))
		}
	}
	for _, c := range b.counts {
		fmt.Fprintf(out, "| SQL per %s (MariaDB general log) | %.1f statements, %.1f round trips, %.1f commits | ≤ 3 statements | %s |\n",
			c.name, c.data, c.roundTrips, c.txns, yes(c.data <= 3))
	}
	var maxRSS int64
	for _, s := range scenarios {
		if s.server {
			maxRSS = max(maxRSS, b.results[s.key].maxRSSKiB)
		}
	}
	if maxRSS > 0 {
		fmt.Fprintf(out, "| certgraph RSS under load (max) | %.0f MiB | ≤ 256 MiB | %s |\n", float64(maxRSS)/1024, yes(maxRSS <= 256*1024))
	}
	if len(b.analysts) > 0 {
		fmt.Fprintf(out, "\n| analysts (one at a time, %d runs) | median | max | ≤ 50 ms |\n", o.analystRuns)
		fmt.Fprintln(out, "|---|---:|---:|---|")
		for _, a := range b.analysts {
			if a.err != nil {
				fmt.Fprintf(out, "| %s | error | %v | no |\n", a.label, a.err)
				continue
			}
			fmt.Fprintf(out, "| %s | %s | %s | %s |\n", a.label, ms(a.median), ms(a.max), yes(a.max <= 50*time.Millisecond))
		}
	}
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func humanBytes(s string) string {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		return s
	}
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return s
}
