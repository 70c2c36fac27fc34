package main

import (
	"context"
	"errors"
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

// seedOptions are the seed subcommand's own flags.
type seedOptions struct {
	certificates, files int
	seed                int64
}

// seedFlags registers the seed subcommand's flags on fs (nil for other commands).
func seedFlags(fs *flag.FlagSet, cmd string) *seedOptions {
	if cmd != "seed" {
		return nil
	}
	o := &seedOptions{}
	fs.IntVar(&o.certificates, "certificates", 10000, "how many certificates to generate")
	fs.Int64Var(&o.seed, "seed", 1, "random seed: the same seed gives the same data")
	fs.IntVar(&o.files, "files", 200, "how many certificates get a signed layout file (PDF and OFD alternately)")
	return o
}

// cmdSeed: certgraph seed [--certificates N] [--seed S] [--files N]
func cmdSeed(ctx context.Context, cfg *config, log *slog.Logger, o *seedOptions, stdout io.Writer) error {
	n, s, files := &o.certificates, &o.seed, &o.files
	if *n < 0 {
		return fmt.Errorf("--certificates: must not be negative, got %d (0 only issues layout files)", *n)
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if *n > 0 {
		bar := newProgressBar(stdout, "seeding")
		sum, err := seed.Generate(ctx, a.store, seed.Options{Certificates: *n, Seed: *s, Region: cfg.Region}, bar.update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded %s in %s\n", sum, time.Since(bar.start).Round(time.Millisecond))
	}
	if *files > 0 {
		fb := newProgressBar(stdout, "layout files")
		n, err := issueFiles(ctx, a, *files, fb.update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "issued %d signed layout files\n", n)
	}
	return nil
}

// issueFiles gives up to n certificates without a layout file one, signed
// by the platform: PDF and OFD alternately.
func issueFiles(ctx context.Context, a *app, n int, progress func(done, total int)) (int, error) {
	ids, err := a.store.CertificateIDsWithoutFile(ctx, n)
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		format := models.FormatPDF
		if i%2 == 1 {
			format = models.FormatOFD
		}
		if _, err := a.writer.IssueFile(ctx, id, format); err != nil {
			return i, fmt.Errorf("layout file for %s: %w", id, err)
		}
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	return len(ids), nil
}

// seedDemo fills an empty database with a small demo set at start-up.
func seedDemo(ctx context.Context, a *app, stdout io.Writer) error {
	n, err := a.store.CountCertificates(ctx)
	if err != nil {
		return err
	}
	if n > 0 || a.cfg.DemoCertificates == 0 {
		return nil
	}
	sum, err := seed.Generate(ctx, a.store, seed.Options{Certificates: a.cfg.DemoCertificates, Seed: 1, Region: a.cfg.Region}, nil)
	if errors.Is(err, seed.ErrUnsupportedRegion) {
		// The generator knows Sichuan's departments only: another province
		// starts empty and imports its own (catalogue import, import).
		fmt.Fprintf(stdout, "demo data: none for region %s (the demo generator knows only region 51's departments); import your own\n", a.cfg.Region)
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	files, err := issueFiles(ctx, a, a.cfg.DemoCertificates, nil)
	if err != nil {
		return fmt.Errorf("demo files: %w", err)
	}
	fmt.Fprintf(stdout, "demo data: %s, %d signed layout files\n", sum, files)
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
	rep, err := importer.Import(ctx, a.store, a.writer, f, importer.Options{}, func(lines int) { bar.update(lines, lines) })
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
