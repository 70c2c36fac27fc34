package store

import (
	"context"
	"fmt"
	"time"

	"certgraph/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SchemaMigration records one applied migration.
type SchemaMigration struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"size:200;not null"`
	AppliedAt time.Time
}

// migration is one numbered, named step of the schema's history. Steps are
// never edited once released: changes come as new steps.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "tables for catalogues, holders, certificates, surfaces, accounts, audit", func(tx *gorm.DB) error {
		return tx.AutoMigrate(
			&models.HolderType{}, &models.CertificateType{}, &models.Department{}, &models.Region{},
			&models.Holder{}, &models.Certificate{}, &models.Surface{},
			&models.Account{}, &models.AccessRecord{},
		)
	}},
	{2, "catalogues: holder types, regions, certificate types", func(tx *gorm.DB) error {
		for _, rows := range []any{HolderTypes, Regions, CertificateTypes} {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(rows).Error; err != nil {
				return err
			}
		}
		return nil
	}},
	{3, "layout files with SM3 and SHA-256 digests", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&models.CertificateFile{})
	}},
	{4, "national: node registry, node keys, directory, directory versions, outbox, hub credential", migrateNational},
	{5, "audit: on behalf of and request id of reads across regions", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&models.AccessRecord{})
	}},
	{6, "catalogue as data: certificate types no certificate references are removed (admins define theirs; demo data brings its own)", func(tx *gorm.DB) error {
		return tx.Exec("DELETE FROM certificate_types WHERE code NOT IN (SELECT DISTINCT type_code FROM certificates)").Error
	}},
	{7, "accounts: when an admin confirmed the department", func(tx *gorm.DB) error {
		if tx.Migrator().HasColumn(&models.Account{}, "DeptConfirmedAt") {
			return nil
		}
		return tx.Migrator().AddColumn(&models.Account{}, "DeptConfirmedAt")
	}},
	{8, "several nodes: cache invalidation log, shared key fingerprints", migrateScaleOut},
	{9, "statistics: certificate counts by type, department, issue period, revocation and validity periods, monthly and yearly; index on validity start, covering index for expiring searches", func(tx *gorm.DB) error {
		if !tx.Migrator().HasIndex(&models.Certificate{}, "idx_cert_valid_from") {
			if err := tx.Migrator().CreateIndex(&models.Certificate{}, "idx_cert_valid_from"); err != nil {
				return err
			}
		}
		if !tx.Migrator().HasIndex(&models.Certificate{}, "idx_cert_expiring") {
			if err := tx.Migrator().CreateIndex(&models.Certificate{}, "idx_cert_expiring"); err != nil {
				return err
			}
		}
		return rebuildCounts(tx)
	}},
	{10, "searches by status: the issue-date index holds the columns of the status, type and department (judged in the index), replacing the issue-date index", func(tx *gorm.DB) error {
		if !tx.Migrator().HasIndex(&models.Certificate{}, "idx_cert_issued_status") {
			if err := tx.Migrator().CreateIndex(&models.Certificate{}, "idx_cert_issued_status"); err != nil {
				return err
			}
		}
		if tx.Migrator().HasIndex(&models.Certificate{}, "idx_cert_issued") {
			return tx.Migrator().DropIndex(&models.Certificate{}, "idx_cert_issued")
		}
		return nil
	}},
}

// Migrate applies every migration not yet recorded, each in its own
// transaction where the database allows (MySQL commits DDL implicitly, so a
// failed step there is reported and must be re-run after fixing the cause).
// It returns the versions it applied.
func Migrate(ctx context.Context, db *gorm.DB) ([]int, error) {
	db = db.WithContext(ctx)
	if db.Dialector.Name() == "mysql" {
		// Table options for this migration session only. Session() makes the
		// result a safe base: each use clones the statement instead of sharing it.
		db = db.Set("gorm:table_options", mysqlTableOptions).Session(&gorm.Session{})
	}
	if err := db.AutoMigrate(&SchemaMigration{}); err != nil {
		return nil, fmt.Errorf("migrations table: %w", err)
	}
	var done []int
	if err := db.Model(&SchemaMigration{}).Pluck("version", &done).Error; err != nil {
		return nil, err
	}
	have := map[int]bool{}
	for _, v := range done {
		have[v] = true
	}
	var applied []int
	for _, m := range migrations {
		if have[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.Create(&SchemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}

// LatestVersion is the newest migration this build knows.
func LatestVersion() int { return migrations[len(migrations)-1].version }
