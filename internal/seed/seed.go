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
	"sync"
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
	// Node, when set, names the seeding process in the invalidation log:
	// each batch announces itself there (see store.BulkOptions), so running
	// nodes and replicas serving current reads see the new rows.
	Node string
	// Writers is how many batches are stored at once on MySQL, each in its
	// own transaction (0 means DefaultWriters). SQLite always stores one at a
	// time: it has one writer, and a second would only wait for the lock
	// (and fail with SQLITE_BUSY once the wait outlasts the busy timeout).
	Writers int
}

// DefaultBatchSize is the number of certificates per transaction when
// Options.BatchSize is zero.
const DefaultBatchSize = 10000

// DefaultWriters is the number of batches stored at once on MySQL when
// Options.Writers is zero: while one batch's statements run in the server,
// the next is being written out.
const DefaultWriters = 2

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

	// This data set's identifiers carry the seed's tag in their serial:
	// when no stored identifier has it, none of them is stored yet, and the
	// batches need not look theirs up.
	seen, err := db.AnyCertificateIDLike(ctx, g.idPattern())
	if err != nil {
		return sum, fmt.Errorf("seed: stored identifiers: %w", err)
	}
	writers := opts.Writers
	if writers <= 0 {
		writers = DefaultWriters
	}
	if db.Dialect() != store.MySQL {
		writers = 1
	}

	// Generation runs ahead of the database on its own goroutine; the
	// writers store batches in parallel and this goroutine adds up what
	// they did.
	type batch struct {
		drafts []draft
		first  int // certificates generated before it
	}
	type result struct {
		res      store.BulkResult
		byStatus map[models.CertificateStatus]int
		n        int // certificates in the batch
		err      error
	}
	batches := make(chan batch, writers)
	results := make(chan result)
	genCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(batches)
		left, first := opts.Certificates, 0
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
			case batches <- batch{b, first}:
			case <-genCtx.Done():
				return
			}
			first += n
		}
	}()
	write := func(b batch) result {
		r := result{byStatus: map[models.CertificateStatus]int{}}
		in := make([]store.HolderCertificates, len(b.drafts))
		for i, d := range b.drafts {
			// Generated data obeys the rules every stored certificate obeys;
			// the bulk insert below is the only shortcut (speed), not the rules.
			for _, c := range d.certs {
				ic := issuing.Certificate{Certificate: c, Holder: d.holder, Dept: deptByCode[c.IssueDeptCode]}
				if err := ic.Validate(); err != nil {
					r.err = fmt.Errorf("seed: generated certificate %s breaks a rule: %w", c.ID, err)
					return r
				}
			}
			in[i] = store.HolderCertificates{Holder: d.holder, Certificates: d.certs}
			r.n += len(d.certs)
		}
		r.res, r.err = db.InsertBulk(genCtx, in, store.BulkOptions{
			Stored:   func(c *models.Certificate) { r.byStatus[c.Status(opts.Today)]++ },
			Node:     opts.Node,
			Unstored: !seen,
		})
		if r.err != nil {
			r.err = fmt.Errorf("seed: batch starting at certificate %d: %w", b.first, r.err)
		}
		return r
	}
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if genCtx.Err() != nil {
					continue // drained after a failure
				}
				results <- write(b)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	done := 0
	var failed error
	for r := range results {
		if r.err != nil {
			if failed == nil {
				failed = r.err
				stop()
			}
			continue
		}
		sum.Holders += r.res.Holders
		sum.Certificates += r.res.Certificates
		sum.Surfaces += r.res.Surfaces
		sum.SkippedHolders += r.res.SkippedHolders
		sum.SkippedCertificates += r.res.SkippedCertificates
		for k, n := range r.byStatus {
			sum.ByStatus[k] += n
		}
		done += r.n
		if progress != nil {
			progress(done, opts.Certificates)
		}
	}
	if failed != nil {
		return sum, failed
	}
	sum.Elapsed = time.Since(start)
	return sum, ctx.Err()
}
