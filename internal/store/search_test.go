package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"certgraph/internal/store"
	"certgraph/models"
)

// A database at step 9 (the plain issue-date index, certificates already
// stored) gets the status index from step 10, loses the index it replaces,
// and its searches by status list what they listed before.
func TestStatusIndexMigrationExistingCertificates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		today := day("2024-06-15")
		until := func(s string) *models.Date { d := day(s); return &d }
		revokedAt := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		h := models.Holder{Code: "11010519491231002X", TypeCode: "111", Name: "张三", Province: "11"}
		if err := db.Gorm().Create(&h).Error; err != nil {
			t.Fatal(err)
		}
		want := map[models.CertificateStatus][]string{}
		for i, c := range []struct {
			issued, from string
			until        *models.Date
			revoked      bool
			status       models.CertificateStatus
		}{
			{"2015-03-01", "2015-03-01", until("2020-03-01"), false, models.StatusExpired},
			{"2019-07-01", "2019-07-01", until("2024-06-14"), false, models.StatusExpired},
			{"2020-01-01", "2020-01-01", nil, true, models.StatusRevoked},
			{"2023-05-05", "2023-05-05", until("2028-05-05"), false, models.StatusValid},
			{"2024-06-10", "2024-07-01", until("2029-07-01"), false, models.StatusNotYetValid},
			{"2024-06-12", "2024-06-12", nil, false, models.StatusValid},
		} {
			id := certID(t, "51", 100+i)
			cert := &models.Certificate{ID: id, TypeCode: typeCode, Name: "机动车驾驶证", Number: fmt.Sprint(i), HolderID: h.ID,
				IssueDeptCode: strings.Split(id, ".")[6], IssueDate: day(c.issued), ValidFrom: day(c.from), ValidUntil: c.until}
			if c.revoked {
				cert.RevokedAt, cert.RevokeReason = &revokedAt, "test"
			}
			if err := db.InsertCertificate(ctx, cert); err != nil {
				t.Fatal(err)
			}
			want[c.status] = append([]string{id}, want[c.status]...)
		}
		// Back to step 9.
		g := db.Gorm()
		if err := g.Migrator().DropIndex(&models.Certificate{}, "idx_cert_issued_status"); err != nil {
			t.Fatal(err)
		}
		if err := g.Exec("CREATE INDEX idx_cert_issued ON certificates (issue_date)").Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec("DELETE FROM schema_migrations WHERE version >= 10").Error; err != nil {
			t.Fatal(err)
		}
		applied, err := db.Migrate(ctx)
		if err != nil || fmt.Sprint(applied) != "[10]" {
			t.Fatalf("Migrate = %v, %v; want [10]", applied, err)
		}
		if !g.Migrator().HasIndex(&models.Certificate{}, "idx_cert_issued_status") || g.Migrator().HasIndex(&models.Certificate{}, "idx_cert_issued") {
			t.Fatal("after step 10: want idx_cert_issued_status and no idx_cert_issued")
		}
		for _, st := range []models.CertificateStatus{models.StatusValid, models.StatusNotYetValid, models.StatusExpired, models.StatusRevoked} {
			f := store.CertificateFilter{Today: today, Status: &st}
			var got []string
			var after *store.Keyset
			for {
				page, err := db.SearchCertificates(ctx, f, after, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page[0].ID)
				after = &store.Keyset{IssueDate: page[0].IssueDate.String(), ID: page[0].ID}
			}
			if fmt.Sprint(got) != fmt.Sprint(want[st]) {
				t.Errorf("%s: search %v, want %v", st, got, want[st])
			}
			if n, err := db.CountCertificatesMatching(ctx, f); err != nil || n != int64(len(want[st])) {
				t.Errorf("%s: count %d %v, want %d", st, n, err, len(want[st]))
			}
		}
	})
}
