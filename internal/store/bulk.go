package store

import (
	"context"
	"fmt"
	"time"

	"certgraph/internal/ident"
	"certgraph/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// bulk is the handle for bulk loading: no hooks, no implicit transactions.
func (s *DB) bulk(ctx context.Context) *gorm.DB {
	return s.with(ctx).Session(&gorm.Session{SkipHooks: true, SkipDefaultTransaction: true})
}

// InsertDepartments stores the departments not yet stored (by code) and
// returns how many it added.
func (s *DB) InsertDepartments(ctx context.Context, depts []models.Department) (int, error) {
	db := s.bulk(ctx)
	var before, after int64
	if err := db.Model(&models.Department{}).Count(&before).Error; err != nil {
		return 0, err
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&depts).Error; err != nil {
		return 0, err
	}
	if err := db.Model(&models.Department{}).Count(&after).Error; err != nil {
		return 0, err
	}
	if after != before {
		s.catalogueChanged()
	}
	return int(after - before), nil
}

// HolderCertificates is a holder with the certificates to store for it.
type HolderCertificates struct {
	Holder       models.Holder
	Certificates []models.Certificate
}

// BulkResult counts what InsertBulk stored and skipped.
type BulkResult struct {
	Holders, Certificates, Surfaces     int
	SkippedHolders, SkippedCertificates int
}

// InsertBulk stores a batch in one transaction: holders by code (existing
// ones kept), then the certificates not yet stored, then their surfaces.
// A holder whose code is stored under another name is skipped with its
// certificates. stored, when set, sees every certificate inserted. When
// node is not "", the batch appends InvalidateAll to the invalidation log as
// node in its transaction: too many keys to list, and replicas serving
// current reads must hold the batch.
func (s *DB) InsertBulk(ctx context.Context, b []HolderCertificates, stored func(*models.Certificate), node string) (BulkResult, error) {
	var res BulkResult
	lim := limitsFor(s.dialect)
	err := s.bulk(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insertBatch(tx, s.dialect, lim, b, stored, &res); err != nil {
			return err
		}
		if node == "" {
			return nil
		}
		return (&DB{g: tx, dialect: s.dialect}).AppendInvalidations(ctx, node, InvalidateAll)
	})
	return res, err
}

// rowLimits are rows per INSERT statement and values per IN list.
type rowLimits struct{ holders, certs, surfaces, in int }

// limitsFor sizes statements for the database. MySQL takes up to 65535
// bound parameters and is fastest with large statements. The SQLite
// driver binds parameters in time quadratic in their number, so there
// statements stay near 500 parameters.
func limitsFor(d Dialect) rowLimits {
	if d == SQLite {
		return rowLimits{holders: 80, certs: 35, surfaces: 80, in: 400}
	}
	return rowLimits{holders: 2000, certs: 1500, surfaces: 4000, in: 1000}
}

// insertBatch stores one batch: holders by code (existing ones kept), then
// the certificates not yet stored, then their surfaces.
func insertBatch(tx *gorm.DB, d Dialect, lim rowLimits, b []HolderCertificates, storedCert func(*models.Certificate), sum *BulkResult) error {
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
		codes[i] = d.Holder.Code
	}
	if err := lookup(codes); err != nil {
		return err
	}
	var fresh []models.Holder
	var freshCodes []string
	for _, d := range b {
		if _, ok := stored[d.Holder.Code]; !ok {
			fresh = append(fresh, d.Holder)
			freshCodes = append(freshCodes, d.Holder.Code)
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
		for _, c := range d.Certificates {
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
		h, ok := stored[d.Holder.Code]
		if !ok {
			return fmt.Errorf("holder %s missing after insert", ident.MaskCode(d.Holder.Code))
		}
		if h.Name != d.Holder.Name {
			// Another data set already uses this code for someone else:
			// attaching our certificates to them would contradict it.
			sum.SkippedHolders++
			sum.SkippedCertificates += len(d.Certificates)
			continue
		}
		for _, c := range d.Certificates {
			if existing[c.ID] {
				sum.SkippedCertificates++
				continue
			}
			c.HolderID = h.ID
			surfaces = append(surfaces, c.Surfaces...)
			c.Surfaces = nil
			certs = append(certs, c)
		}
	}
	if len(certs) > 0 {
		if err := tx.Omit(clause.Associations).CreateInBatches(&certs, lim.certs).Error; err != nil {
			return fmt.Errorf("certificates: %w", err)
		}
		delta := map[CertificateCount]int64{}
		for i := range certs {
			delta[countKey(&certs[i])]++
		}
		if err := addCounts(tx, d, delta); err != nil {
			return err
		}
	}
	if len(surfaces) > 0 {
		if err := tx.CreateInBatches(&surfaces, lim.surfaces).Error; err != nil {
			return fmt.Errorf("surfaces: %w", err)
		}
	}
	if len(certs) > 0 {
		// Each new certificate's directory change, in the same transaction.
		vers := make([]DirectoryVersion, len(certs))
		queue := make([]DirectoryOutbox, len(certs))
		now := time.Now().UTC()
		for i, c := range certs {
			vers[i] = DirectoryVersion{CertificateID: c.ID, Version: 1}
			queue[i] = DirectoryOutbox{CertificateID: c.ID, CreatedAt: now}
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "certificate_id"}},
			DoUpdates: clause.Assignments(map[string]any{"version": gorm.Expr("directory_versions.version + 1"), "deleted": false}),
		}).CreateInBatches(&vers, lim.holders).Error; err != nil {
			return fmt.Errorf("directory versions: %w", err)
		}
		if err := tx.CreateInBatches(&queue, lim.holders).Error; err != nil {
			return fmt.Errorf("directory outbox: %w", err)
		}
	}
	if storedCert != nil {
		for i := range certs {
			storedCert(&certs[i])
		}
	}
	sum.Certificates += len(certs)
	sum.Surfaces += len(surfaces)
	return nil
}
