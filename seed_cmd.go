package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"certgraph/internal/importer"
	"certgraph/internal/seed"
	"certgraph/models"
)

// progressBar draws "label [#####.....] done/total rate ETA" on one line.
type progressBar struct {
	w      io.Writer
	label  string
	start  time.Time
	last   time.Time
	isTerm bool
}

func newProgressBar(w io.Writer, label string) *progressBar {
	isTerm := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			isTerm = true
		}
	}
	return &progressBar{w: w, label: label, start: time.Now(), isTerm: isTerm}
}

// update redraws at most every 200 ms on a terminal (every 5 s in logs).
func (p *progressBar) update(done, total int) {
	every := 5 * time.Second
	if p.isTerm {
		every = 200 * time.Millisecond
	}
	if done < total && time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	el := time.Since(p.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	const width = 30
	fill := 0
	if total > 0 {
		fill = width * done / total
	}
	eta := "-"
	if rate > 0 && total > done {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	end := "\n"
	if p.isTerm && done < total {
		end = "\r"
	}
	fmt.Fprintf(p.w, "%s [%s%s] %d/%d %.0f/s ETA %s%s", p.label, strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, rate, eta, end)
}

// cmdSeed: certgraph seed [--certificates N] [--seed S]
func cmdSeed(ctx context.Context, cfg *config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	n := fs.Int("certificates", 10000, "how many certificates to generate")
	s := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n <= 0 {
		return fmt.Errorf("--certificates: must be positive, got %d", *n)
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	bar := newProgressBar(stdout, "seeding")
	sum, err := seed.Generate(ctx, a.db, seed.Options{Certificates: *n, Seed: *s, Region: cfg.Region}, bar.update)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s in %s\n", sum, time.Since(bar.start).Round(time.Millisecond))
	return nil
}

// seedDemo fills an empty database with a small demo set at start-up.
func seedDemo(ctx context.Context, a *app, stdout io.Writer) error {
	var n int64
	if err := a.db.WithContext(ctx).Model(&models.Certificate{}).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 || a.cfg.DemoCertificates == 0 {
		return nil
	}
	sum, err := seed.Generate(ctx, a.db, seed.Options{Certificates: a.cfg.DemoCertificates, Seed: 1, Region: a.cfg.Region}, nil)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(stdout, "demo data: %s\n", sum)
	return nil
}

// cmdImport: certgraph import FILE.jsonl
func cmdImport(ctx context.Context, cfg *config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: certgraph import FILE.jsonl")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	bar := newProgressBar(stdout, "importing")
	rep, err := importer.Import(ctx, a.db, f, importer.Options{OnChange: a.resolver.InvalidateCertificate}, func(lines int) { bar.update(lines, lines) })
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(stdout, "line %d: %s: %s\n", e.Line, e.Field, e.Message)
	}
	fmt.Fprintf(stdout, "%d lines: %d imported, %d updated, %d unchanged, %d rejected\n", rep.Lines, rep.Imported, rep.Updated, rep.Unchanged, len(rep.Errors))
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d lines rejected", len(rep.Errors))
	}
	return nil
}
