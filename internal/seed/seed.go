// Package seed fills a certgraph database with deterministic, realistic demo
// data: persons and organisations with checksum-valid codes, the Sichuan
// (and a few other) departments that issue certificates, and certificates of
// the catalogue types with surfaces consistent with their holders.
//
// The same Options always produce the same rows, and generating again into a
// database that already holds them adds nothing.
package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"certgraph/internal/issuing"
	"certgraph/internal/store"
	"certgraph/models"
)

// Options says how much to generate and from which seed.
type Options struct {
	// Certificates is how many certificates to generate (holders are made
	// as needed: about 1.6 certificates per holder).
	Certificates int
	// Seed selects the data set; the same seed gives the same rows.
	Seed int64
	// Region is the province the data is local to; only "51" (四川) has a
	// department list. Empty means "51".
	Region string
	// BatchSize is how many certificates go into one transaction; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Today is the reference day validity is arranged around (so that the
	// expired/valid/not-yet-valid mix holds on that day). Zero means the
	// current date in China Standard Time.
	Today models.Date
}

// DefaultBatchSize is the number of certificates per transaction when
// Options.BatchSize is zero.
const DefaultBatchSize = 5000

// seedRegion is the one province the generator has departments and areas for.
const seedRegion = "51"

// ErrUnsupportedRegion is returned for an Options.Region the generator has
// no departments and areas for.
var ErrUnsupportedRegion = errors.New("seed: region not supported")

// Summary is what Generate did: rows inserted, rows skipped because they
// were already there (or conflicted with existing data), and how long it took.
type Summary struct {
	Departments         int // departments inserted
	Holders             int // holders inserted
	Certificates        int // certificates inserted
	Surfaces            int // surface rows inserted
	SkippedHolders      int // holders whose code exists with a different name; their certificates were skipped
	SkippedCertificates int // certificates whose id already existed, or whose holder was skipped
	// ByStatus counts the inserted certificates by their status on Options.Today.
	ByStatus map[models.CertificateStatus]int
	Elapsed  time.Duration
}

// String summarises s in one line.
func (s Summary) String() string {
	return fmt.Sprintf("%d certificates (%d valid, %d expired, %d revoked, %d not yet valid), %d holders, %d departments, %d surfaces; %d skipped",
		s.Certificates, s.ByStatus[models.StatusValid], s.ByStatus[models.StatusExpired], s.ByStatus[models.StatusRevoked],
		s.ByStatus[models.StatusNotYetValid], s.Holders, s.Departments, s.Surfaces, s.SkippedCertificates)
}

// Generate inserts opts.Certificates certificates with their holders and
// departments into db (already migrated), in one transaction per batch,
// calling progress (if non-nil) after each batch with the number of
// certificates generated so far and the total.
func Generate(ctx context.Context, db *store.DB, opts Options, progress func(done, total int)) (Summary, error) {
	start := time.Now()
	sum := Summary{ByStatus: map[models.CertificateStatus]int{}}
	if opts.Region == "" {
		opts.Region = "51"
	}
	if opts.Region != "51" {
		return sum, fmt.Errorf("%w: %q (only 51 四川 has demo departments and areas)", ErrUnsupportedRegion, opts.Region)
	}
	if opts.Certificates < 0 {
		return sum, fmt.Errorf("seed: Certificates is %d, want ≥ 0", opts.Certificates)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Today.IsZero() {
		opts.Today = models.DateOf(time.Now().In(chinaTime))
	}
	g, err := newGenerator(opts.Seed, opts.Today)
	if err != nil {
		return sum, err
	}
	var depts []models.Department
	deptByCode := make(map[string]models.Department, len(g.depts))
	for _, d := range g.depts {
		if d.division[:2] != seedRegion {
			continue
		}
		dept := models.Department{Code: d.code, Name: d.name, Province: d.division[:2]}
		depts = append(depts, dept)
		deptByCode[d.code] = dept
	}
	// Demo data brings its own catalogue of certificate types.
	if err := db.EnsureCertificateTypes(ctx, store.CertificateTypes); err != nil {
		return sum, fmt.Errorf("seed: certificate types: %w", err)
	}
	if sum.Departments, err = db.InsertDepartments(ctx, depts); err != nil {
		return sum, fmt.Errorf("seed: departments: %w", err)
	}

	// Generation runs one batch ahead of the database on its own goroutine.
	batches := make(chan []draft, 2)
	genCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(batches)
		left := opts.Certificates
		for left > 0 {
			var b []draft
			n := 0
			for n < opts.BatchSize && left > 0 {
				d := g.next(left)
				n += len(d.certs)
				left -= len(d.certs)
				b = append(b, d)
			}
			select {
			case batches <- b:
			case <-genCtx.Done():
				return
			}
		}
	}()

	done := 0
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		batch := make([]store.HolderCertificates, len(b))
		for i, d := range b {
			// Generated data obeys the rules every stored certificate obeys;
			// the bulk insert below is the only shortcut (speed), not the rules.
			for _, c := range d.certs {
				in := issuing.Certificate{Certificate: c, Holder: d.holder, Dept: deptByCode[c.IssueDeptCode]}
				if err := in.Validate(); err != nil {
					return sum, fmt.Errorf("seed: generated certificate %s breaks a rule: %w", c.ID, err)
				}
			}
			batch[i] = store.HolderCertificates{Holder: d.holder, Certificates: d.certs}
		}
		res, err := db.InsertBulk(ctx, batch, func(c *models.Certificate) { sum.ByStatus[c.Status(opts.Today)]++ })
		if err != nil {
			return sum, fmt.Errorf("seed: batch ending at certificate %d: %w", done, err)
		}
		sum.Holders += res.Holders
		sum.Certificates += res.Certificates
		sum.Surfaces += res.Surfaces
		sum.SkippedHolders += res.SkippedHolders
		sum.SkippedCertificates += res.SkippedCertificates
		for _, d := range b {
			done += len(d.certs)
		}
		if progress != nil {
			progress(done, opts.Certificates)
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, ctx.Err()
}
