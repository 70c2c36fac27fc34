package main

import (
	"context"
	"errors"
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

// cmdSeed: certgraph seed [--certificates N] [--seed S] [--files N].
// Progress goes to stderr, the summary to stdout.
func cmdSeed(ctx context.Context, cfg *config, log *slog.Logger, o *seedOptions, stdout, stderr io.Writer) error {
	s := o.seed
	if s == 0 {
		// A new data set each run unless asked: the same seed would mostly
		// skip what an earlier run (or the demo set, seed 1) stored.
		s = time.Now().UnixNano() & (1<<53 - 1)
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if o.certificates > 0 {
		if err := seedCertificates(ctx, a, cfg, o.certificates, s, stdout, stderr); err != nil {
			return err
		}
	}
	if o.files > 0 {
		fb := newProgressBar(stderr, "layout files")
		n, err := issueFiles(ctx, a, o.files, fb.update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "issued %d signed layout files\n", n)
	}
	return nil
}

// seedCertificates generates n certificates from seed s and reports them.
func seedCertificates(ctx context.Context, a *app, cfg *config, n int, s int64, stdout, stderr io.Writer) error {
	bar := newProgressBar(stderr, "seeding")
	sum, err := seed.Generate(ctx, a.store, seed.Options{Certificates: n, Seed: s, Region: cfg.Region}, bar.update)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s in %s (--seed %d)\n", sum, time.Since(bar.start).Round(time.Millisecond), s)
	if sum.SkippedCertificates > 0 {
		why := fmt.Sprintf("their identifiers were already stored by an earlier run with --seed %d", s)
		if s == 1 {
			why += " (seed 1 is the demo set a fresh embedded server seeds)"
		}
		if sum.SkippedHolders > 0 {
			why += fmt.Sprintf(", or their holder is one of %d whose code is stored under another name", sum.SkippedHolders)
		}
		fmt.Fprintf(stdout, "skipped %d certificates: %s\n", sum.SkippedCertificates, why)
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

// cmdImport: certgraph import FILE.jsonl. Progress goes to stderr, the
// report to stdout.
func cmdImport(ctx context.Context, cfg *config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
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
	bar := newProgressBar(stderr, "importing")
	rep, err := importer.Import(ctx, a.store, a.writer, f, importer.Options{}, func(lines int) { bar.update(lines, lines) })
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(stdout, e.Error())
	}
	fmt.Fprintf(stdout, "%d lines: %d imported, %d updated, %d unchanged, %d rejected\n", rep.Lines, rep.Imported, rep.Updated, rep.Unchanged, len(rep.Errors))
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d lines rejected", len(rep.Errors))
	}
	return nil
}
