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

	"certgraph/internal/ident"
	"certgraph/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
func Generate(ctx context.Context, db *gorm.DB, opts Options, progress func(done, total int)) (Summary, error) {
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
	db = db.WithContext(ctx).Session(&gorm.Session{SkipHooks: true, SkipDefaultTransaction: true})

	depts := make([]models.Department, len(g.depts))
	for i, d := range g.depts {
		depts[i] = models.Department{Code: d.code, Name: d.name, Province: d.division[:2]}
	}
	var before, after int64
	if err := db.Model(&models.Department{}).Count(&before).Error; err != nil {
		return sum, fmt.Errorf("seed: departments: %w", err)
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&depts).Error; err != nil {
		return sum, fmt.Errorf("seed: departments: %w", err)
	}
	if err := db.Model(&models.Department{}).Count(&after).Error; err != nil {
		return sum, fmt.Errorf("seed: departments: %w", err)
	}
	sum.Departments = int(after - before)

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

	lim := limitsFor(db)
	done := 0
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if err := db.Transaction(func(tx *gorm.DB) error { return insertBatch(tx, lim, b, opts.Today, &sum) }); err != nil {
			return sum, fmt.Errorf("seed: batch ending at certificate %d: %w", done, err)
		}
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

// rowLimits are rows per INSERT statement and values per IN list.
type rowLimits struct{ holders, certs, surfaces, in int }

// limitsFor sizes statements for the database. MySQL takes up to 65535
// bound parameters and is fastest with large statements. The SQLite
// driver binds parameters in time quadratic in their number, so there
// statements stay near 500 parameters.
func limitsFor(db *gorm.DB) rowLimits {
	if db.Dialector.Name() == "sqlite" {
		return rowLimits{holders: 80, certs: 35, surfaces: 80, in: 400}
	}
	return rowLimits{holders: 2000, certs: 1500, surfaces: 4000, in: 1000}
}

// insertBatch stores one batch: holders by code (existing ones kept), then
// the certificates not yet stored, then their surfaces.
func insertBatch(tx *gorm.DB, lim rowLimits, b []draft, today models.Date, sum *Summary) error {
	// Holders already stored are looked up first, so that only new ones are
	// inserted and counted (MySQL's affected-row count for an upsert that
	// changes nothing is not reliable across servers). IDs are read back
	// rather than trusted from the insert for the same reason.
	type idRow struct {
		ID   int64
		Code string
		Name string
	}
	stored := make(map[string]idRow, len(b))
	lookup := func(codes []string) error {
		for lo := 0; lo < len(codes); lo += lim.in {
			var rows []idRow
			if err := tx.Model(&models.Holder{}).Select("id", "code", "name").Where("code IN ?", codes[lo:min(lo+lim.in, len(codes))]).Find(&rows).Error; err != nil {
				return fmt.Errorf("holder ids: %w", err)
			}
			for _, r := range rows {
				stored[r.Code] = r
			}
		}
		return nil
	}
	codes := make([]string, len(b))
	for i, d := range b {
		codes[i] = d.holder.Code
	}
	if err := lookup(codes); err != nil {
		return err
	}
	var fresh []models.Holder
	var freshCodes []string
	for _, d := range b {
		if _, ok := stored[d.holder.Code]; !ok {
			fresh = append(fresh, d.holder)
			freshCodes = append(freshCodes, d.holder.Code)
		}
	}
	if len(fresh) > 0 {
		// DO NOTHING still guards against a concurrent writer.
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&fresh, lim.holders).Error; err != nil {
			return fmt.Errorf("holders: %w", err)
		}
		if err := lookup(freshCodes); err != nil {
			return err
		}
		sum.Holders += len(fresh)
	}

	var ids []string
	for _, d := range b {
		for _, c := range d.certs {
			ids = append(ids, c.ID)
		}
	}
	existing := make(map[string]bool)
	for lo := 0; lo < len(ids); lo += lim.in {
		var have []string
		if err := tx.Model(&models.Certificate{}).Where("id IN ?", ids[lo:min(lo+lim.in, len(ids))]).Pluck("id", &have).Error; err != nil {
			return fmt.Errorf("existing certificates: %w", err)
		}
		for _, id := range have {
			existing[id] = true
		}
	}

	certs := make([]models.Certificate, 0, len(ids))
	var surfaces []models.Surface
	for _, d := range b {
		h, ok := stored[d.holder.Code]
		if !ok {
			return fmt.Errorf("holder %s missing after insert", ident.MaskCode(d.holder.Code))
		}
		if h.Name != d.holder.Name {
			// Another data set already uses this code for someone else:
			// attaching our certificates to them would contradict it.
			sum.SkippedHolders++
			sum.SkippedCertificates += len(d.certs)
			continue
		}
		for _, c := range d.certs {
			if existing[c.ID] {
				sum.SkippedCertificates++
				continue
			}
			c.HolderID = h.ID
			surfaces = append(surfaces, c.Surfaces...)
			c.Surfaces = nil
			sum.ByStatus[c.Status(today)]++
			certs = append(certs, c)
		}
	}
	if len(certs) > 0 {
		if err := tx.Omit(clause.Associations).CreateInBatches(&certs, lim.certs).Error; err != nil {
			return fmt.Errorf("certificates: %w", err)
		}
	}
	if len(surfaces) > 0 {
		if err := tx.CreateInBatches(&surfaces, lim.surfaces).Error; err != nil {
			return fmt.Errorf("surfaces: %w", err)
		}
	}
	sum.Certificates += len(certs)
	sum.Surfaces += len(surfaces)
	return nil
}
