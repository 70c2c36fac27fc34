package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

func TestOperationsSQLite(t *testing.T) { checkOperations(t, storetest.SQLite(t)) }
func TestOperationsMySQL(t *testing.T)  { checkOperations(t, storetest.MySQL(t)) }

func day(s string) models.Date {
	d, err := models.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// checkOperations exercises each named operation once on a real database.
func checkOperations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if v, err := db.SchemaVersion(ctx); err != nil || v != store.LatestVersion() {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatal(err)
	}

	dept := models.Department{Code: "11510000MB1234567X", Name: "厅", Province: "51"}
	holder := models.Holder{Code: "H1", TypeCode: "414", Name: "甲", Province: "51"}
	put := func(id, issued string, surfaces ...models.Surface) (store.Outcome, error) {
		c := &models.Certificate{ID: id, TypeCode: "11100000000013338W001", Name: "证", Number: "N-" + id, IssueDeptCode: dept.Code,
			IssueDate: day(issued), ValidFrom: day(issued), Surfaces: surfaces}
		var out store.Outcome
		err := db.Transaction(ctx, func(tx *store.DB) error {
			var err error
			out, err = tx.PutCertificate(ctx, dept, holder, c)
			return err
		})
		return out, err
	}
	s := models.Surface{CertificateID: "C1", Position: 0, Name: "n", ColumnName: "c", ValueType: models.ValueString, Value: "v"}
	for i, want := range []store.Outcome{store.Created, store.Unchanged} {
		if out, err := put("C1", "2020-01-01", s); err != nil || out != want {
			t.Fatalf("put #%d: %v %v", i, out, err)
		}
	}
	s.Value = "w"
	if out, err := put("C1", "2020-01-01", s); err != nil || out != store.Updated {
		t.Fatalf("changed surface: %v %v", out, err)
	}
	if _, err := put("C2", "2022-01-01"); err != nil {
		t.Fatal(err)
	}
	// Catalogues are served from memory; a department renamed by a write is
	// seen by the next read, not after the copy's age runs out.
	if ds, err := store.ByCodes[models.Department](ctx, db, []string{dept.Code, "nope"}); err != nil || len(ds) != 1 || ds[0].Name != "厅" {
		t.Fatalf("ByCodes: %v %v", ds, err)
	}
	dept.Name = "四川省公安厅"
	if out, err := put("C2", "2022-01-01"); err != nil || out != store.Updated {
		t.Fatalf("renamed department: %v %v", out, err)
	}
	if ds, err := store.ByCodes[models.Department](ctx, db, []string{dept.Code}); err != nil || len(ds) != 1 || ds[0].Name != dept.Name {
		t.Fatalf("ByCodes after the rename: %v %v", ds, err)
	}
	if ct, err := db.CertificateTypeByCodeOrName(ctx, "居民身份证"); err != nil || ct == nil || ct.Code != "11100000000013338W001" {
		t.Fatalf("CertificateTypeByCodeOrName by name: %v %v", ct, err)
	}
	other := holder
	other.TypeCode = "111"
	var conflict *store.HolderTypeConflict
	err := db.Transaction(ctx, func(tx *store.DB) error {
		_, err := tx.PutCertificate(ctx, dept, other, &models.Certificate{ID: "C3"})
		return err
	})
	if !errors.As(err, &conflict) {
		t.Fatalf("re-typed holder: %v", err)
	}

	h, err := db.HolderByCode(ctx, "H1", "")
	if err != nil || h == nil {
		t.Fatalf("HolderByCode: %v %v", h, err)
	}
	if none, err := db.HolderByCode(ctx, "H1", "111"); none != nil || err != nil {
		t.Fatalf("HolderByCode of another type: %v %v", none, err)
	}
	certs, err := db.CertificatesOfHolder(ctx, h.ID, "", "")
	if err != nil || len(certs) != 2 || certs[0].ID != "C2" {
		t.Fatalf("CertificatesOfHolder newest first: %v %v", certs, err)
	}
	if certs, _ := db.CertificatesOfHolder(ctx, h.ID, "", "N-C1"); len(certs) != 1 || certs[0].ID != "C1" {
		t.Fatalf("CertificatesOfHolder by number: %v", certs)
	}
	// The joined form answers exactly what the two lookups answer.
	revokedAt := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	if err := db.RevokeCertificate(ctx, "C1", revokedAt, "测试"); err != nil {
		t.Fatal(err)
	}
	certs, _ = db.CertificatesOfHolder(ctx, h.ID, "", "")
	jh, jcerts, err := db.HolderWithCertificates(ctx, "H1", "")
	if err != nil || jh == nil || !reflect.DeepEqual(*jh, *h) || !reflect.DeepEqual(jcerts, certs) {
		t.Fatalf("HolderWithCertificates:\n%+v %+v %v\nwant\n%+v %+v", jh, jcerts, err, h, certs)
	}
	full, err := db.CertificateWithSurfaces(ctx, "C1")
	if err != nil || full == nil {
		t.Fatal(full, err)
	}
	if jc, jh, err := db.CertificateWithHolder(ctx, "C1"); err != nil || jh == nil || !reflect.DeepEqual(*jh, *h) || !reflect.DeepEqual(*jc, *full) {
		t.Fatalf("CertificateWithHolder:\n%+v %+v %v\nwant\n%+v %+v", jc, jh, err, full, h)
	}
	if jc, jh, err := db.CertificateWithHolder(ctx, "nope"); jc != nil || jh != nil || err != nil {
		t.Fatalf("CertificateWithHolder of no certificate: %v %v %v", jc, jh, err)
	}
	if jh, jcerts, err := db.HolderWithCertificates(ctx, "H1", "111"); jh != nil || jcerts != nil || err != nil {
		t.Fatalf("HolderWithCertificates of another type: %v %v %v", jh, jcerts, err)
	}
	if c, err := db.CertificateByID(ctx, "nope"); c != nil || err != nil {
		t.Fatalf("CertificateByID of a missing id: %v %v", c, err)
	}
	if ss, err := db.SurfacesOf(ctx, []string{"C1"}); err != nil || len(ss) != 1 || ss[0].Value != "w" {
		t.Fatalf("SurfacesOf: %v %v", ss, err)
	}
	if err := db.RevokeCertificate(ctx, "C1", time.Now().UTC().Truncate(time.Second), "lost"); err != nil {
		t.Fatal(err)
	}

	f := store.CertificateFilter{Today: day("2025-01-01")}
	if n, err := db.CountCertificatesMatching(ctx, f); err != nil || n != 2 {
		t.Fatalf("count: %d %v", n, err)
	}
	page, err := db.SearchCertificates(ctx, f, nil, 1)
	if err != nil || len(page) != 1 || page[0].ID != "C2" {
		t.Fatalf("first page: %v %v", page, err)
	}
	page, err = db.SearchCertificates(ctx, f, &store.Keyset{IssueDate: page[0].IssueDate.String(), ID: page[0].ID}, 5)
	if err != nil || len(page) != 1 || page[0].ID != "C1" {
		t.Fatalf("second page: %v %v", page, err)
	}
	revoked := models.StatusRevoked
	f.Status = &revoked
	f.Region = "51"
	if n, _ := db.CountCertificatesMatching(ctx, f); n != 1 {
		t.Fatalf("revoked in region 51: %d", n)
	}
	st, err := db.Statistics(ctx, store.CertificateFilter{Today: day("2025-01-01")})
	if err != nil || len(st.ByStatus) != 2 || len(st.ByRegion) != 1 || st.ByRegion[0].Key != "51" || st.ByRegion[0].Count != 2 {
		t.Fatalf("Statistics: %+v %v", st, err)
	}
	if names, err := store.CatalogueNames[models.Region](ctx, db); err != nil || names["51"] != "四川省" {
		t.Fatalf("region names: %v", err)
	}

	file := &models.CertificateFile{CertificateID: "C2", Format: models.FormatPDF, Size: 3, SM3: "a", SHA256: "b", Content: []byte("%PD"), UploadedAt: time.Now().UTC()}
	if err := db.PutFile(ctx, file); err != nil {
		t.Fatal(err)
	}
	file.SHA256, file.Content = "c", []byte("%PDF")
	if err := db.PutFile(ctx, file); err != nil {
		t.Fatal("replacing a file:", err)
	}
	if m, err := db.FileMeta(ctx, "C2"); err != nil || m == nil || m.Content != nil || m.SHA256 != "c" {
		t.Fatalf("FileMeta: %+v %v", m, err)
	}
	if ms, err := db.FileMetasOf(ctx, []string{"C1", "C2", "none"}); err != nil || len(ms) != 1 || ms[0].CertificateID != "C2" || ms[0].Content != nil || ms[0].SHA256 != "c" {
		t.Fatalf("FileMetasOf: %+v %v", ms, err)
	}
	if m, _ := db.File(ctx, "C2"); m == nil || string(m.Content) != "%PDF" {
		t.Fatalf("File: %+v", m)
	}
	if m, _ := db.FileMetaBySHA256(ctx, "c"); m == nil || m.CertificateID != "C2" {
		t.Fatalf("FileMetaBySHA256: %+v", m)
	}
	if ids, err := db.CertificateIDsWithoutFile(ctx, 10); err != nil || len(ids) != 1 || ids[0] != "C1" {
		t.Fatalf("CertificateIDsWithoutFile: %v %v", ids, err)
	}

	now := time.Now().UTC().Truncate(time.Second)
	for i, a := range []models.Account{
		{ID: "A1", Status: models.AccountApproved, RoleList: "ADMIN", TokenHash: "t1"},
		{ID: "A2", Status: models.AccountPending, RoleList: "CONSUMER", TokenHash: "t2"},
	} {
		a.SystemName, a.SystemIP, a.DeptCode, a.DeptName = "s", "127.0.0.1", "d", "d"
		a.TokenExpiresAt, a.CreatedAt = now.Add(time.Hour), now.Add(time.Duration(i)*time.Second)
		if err := db.CreateAccount(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	pending := models.AccountPending
	if accs, err := db.Accounts(ctx, &pending); err != nil || len(accs) != 1 || accs[0].ID != "A2" {
		t.Fatalf("Accounts(pending): %v %v", accs, err)
	}
	if a, _ := db.AccountByTokenHash(ctx, "t1"); a == nil || a.ID != "A1" {
		t.Fatalf("AccountByTokenHash: %v", a)
	}
	if n, err := db.CountOtherApprovedAdmins(ctx, "A1"); err != nil || n != 0 {
		t.Fatalf("other admins: %d %v", n, err)
	}

	var recs []models.AccessRecord
	for i := range 5 {
		recs = append(recs, models.AccessRecord{AccountID: "A1", Operation: "op", Subject: fmt.Sprint("S", i%2), UseFor: "01",
			Channel: models.ChannelGraphQL, Outcome: models.OutcomeOK, CreatedAt: now})
	}
	if err := db.AppendAudit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	got, err := db.AccessRecords(ctx, store.AccessRecordFilter{Subject: "S0"}, 0, 2)
	if err != nil || len(got) != 2 || got[0].ID < got[1].ID {
		t.Fatalf("AccessRecords: %v %v", got, err)
	}
	if rest, _ := db.AccessRecords(ctx, store.AccessRecordFilter{Subject: "S0"}, got[1].ID, 10); len(rest) != 1 {
		t.Fatalf("AccessRecords after a keyset: %v", rest)
	}
	// Arguments are quoted into the statement text on MySQL
	// (interpolateParams): quotes, backslashes, NUL and supplementary-plane
	// characters must round-trip unchanged.
	tricky := "a'b\\'; DROP TABLE access_records; -- \"\x00 %_ 𠈌\\"
	if err := db.AppendAudit(ctx, []models.AccessRecord{{AccountID: "A1", Operation: "op", Subject: tricky, UseFor: "01",
		Channel: models.ChannelGraphQL, Outcome: models.OutcomeOK, Detail: tricky, CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AccessRecords(ctx, store.AccessRecordFilter{Subject: tricky}, 0, 2); err != nil || len(got) != 1 || got[0].Detail != tricky {
		t.Fatalf("a tricky subject did not round-trip: %+v %v", got, err)
	}

	added, err := db.InsertDepartments(ctx, []models.Department{dept, {Code: "11510000MB7654321X", Name: "局", Province: "51"}})
	if err != nil || added != 1 {
		t.Fatalf("InsertDepartments: %d %v", added, err)
	}
	stored := 0
	res, err := db.InsertBulk(ctx, []store.HolderCertificates{{
		Holder: models.Holder{Code: "H2", TypeCode: "414", Name: "乙", Province: "51"},
		Certificates: []models.Certificate{{ID: "C9", TypeCode: "11100000000013338W001", Name: "证", Number: "9", IssueDeptCode: dept.Code,
			IssueDate: day("2021-01-01"), ValidFrom: day("2021-01-01"), Surfaces: []models.Surface{{CertificateID: "C9", Name: "n", ColumnName: "c", ValueType: models.ValueString, Value: "v"}}}},
	}}, store.BulkOptions{Stored: func(*models.Certificate) { stored++ }, Node: "node-s"})
	if err != nil || res.Holders != 1 || res.Certificates != 1 || res.Surfaces != 1 || stored != 1 {
		t.Fatalf("InsertBulk: %+v %v (%d seen)", res, err, stored)
	}
	// The batch announced itself in the invalidation log, in its transaction.
	if log, err := db.InvalidationsAfter(ctx, 0, nil, 10); err != nil || len(log) != 1 || log[0].Key != store.InvalidateAll || log[0].Node != "node-s" {
		t.Errorf("invalidation log after InsertBulk: %+v, %v; want one %q by node-s", log, err, store.InvalidateAll)
	}
	if n, _ := db.CountCertificates(ctx); n != 3 {
		t.Fatalf("CountCertificates: %d", n)
	}
	checkStatisticsExact(t, db, store.CertificateFilter{Today: day("2023-06-01")})
	checkStatisticsExact(t, db, store.CertificateFilter{Today: day("2021-01-01"), Region: "51"})
}

// checkStatisticsExact compares every group of Statistics, and the count
// CountCertificatesMatching gives (from the aggregate), with COUNT(*) of the
// same filter narrowed to that group.
func checkStatisticsExact(t *testing.T, db *store.DB, f store.CertificateFilter) {
	t.Helper()
	ctx := context.Background()
	st, err := db.Statistics(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	count := func(f store.CertificateFilter) int64 {
		t.Helper()
		n, err1 := db.CountCertificatesScanning(ctx, f)
		agg, err2 := db.CountCertificatesMatching(ctx, f)
		if err1 != nil || err2 != nil || agg != n {
			t.Errorf("filter %+v: CountCertificatesMatching %d, COUNT(*) %d %v %v", f, agg, n, err1, err2)
		}
		return n
	}
	total := count(f)
	for _, dim := range []struct {
		name   string
		groups []store.Group
		narrow func(store.CertificateFilter, string) store.CertificateFilter
	}{
		{"type", st.ByType, func(g store.CertificateFilter, k string) store.CertificateFilter { g.TypeCode = k; return g }},
		{"department", st.ByDepartment, func(g store.CertificateFilter, k string) store.CertificateFilter { g.IssueDeptCode = k; return g }},
		{"status", st.ByStatus, func(g store.CertificateFilter, k string) store.CertificateFilter {
			s := models.CertificateStatus(k)
			g.Status = &s
			return g
		}},
		{"region", st.ByRegion, func(g store.CertificateFilter, k string) store.CertificateFilter { g.Region = k; return g }},
	} {
		sum := int64(0)
		for _, g := range dim.groups {
			if n := count(dim.narrow(f, g.Key)); n != g.Count {
				t.Errorf("statistics by %s, %q: %d, COUNT(*) %d", dim.name, g.Key, g.Count, n)
			}
			sum += g.Count
		}
		if sum != total {
			t.Errorf("statistics by %s sum to %d, COUNT(*) %d", dim.name, sum, total)
		}
	}
}
