package issuing_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/ident"
	"certgraph/internal/issuing"
	"certgraph/internal/keys"
	"certgraph/internal/seed"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

// TestStatisticsEqualCount checks the statistics aggregate, maintained with
// the writes, against the certificates themselves (every group classified
// row by row, and the total and each status total, from Statistics and from
// CountCertificatesMatching, against COUNT(*)) after seeding, importing new
// and changed certificates, revoking and attaching a file, on days either
// side of month and year boundaries and in the middle of a month and a year
// (where the statistics correct the coarser grains from either side).
func TestStatisticsEqualCount(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "mysql": storetest.MySQL} {
		t.Run(name, func(t *testing.T) { testStatisticsEqualCount(t, open(t)) })
	}
}

func testStatisticsEqualCount(t *testing.T, db *store.DB) {
	ctx := context.Background()
	today := models.Date{Year: 2024, Month: 3, Day: 15}
	if _, err := seed.Generate(ctx, db, seed.Options{Certificates: 800, Seed: 3, Today: today, BatchSize: 300}, nil); err != nil {
		t.Fatal(err)
	}
	c, err := cache.New(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := keys.Load(t.TempDir(), 10*time.Minute, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	w := issuing.NewWriter(db, c, trust, "四川省", func() time.Time { return today.Time() })

	all := func() []models.Certificate {
		cs, err := db.SearchCertificates(ctx, store.CertificateFilter{Today: today}, nil, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	seeded := all()
	if len(seeded) != 800 {
		t.Fatalf("%d certificates seeded", len(seeded))
	}
	holders := map[int64]models.Holder{}
	for _, c := range seeded[:20] {
		hs, err := db.HoldersByID(ctx, []int64{c.HolderID})
		if err != nil || len(hs) != 1 {
			t.Fatal(hs, err)
		}
		holders[c.HolderID] = hs[0]
	}
	depts, err := db.Departments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deptOf := map[string]models.Department{}
	for _, d := range depts {
		deptOf[d.Code] = d
	}
	put := func(c models.Certificate) {
		t.Helper()
		surf, err := db.SurfacesOf(ctx, []string{c.ID})
		if err != nil {
			t.Fatal(err)
		}
		c.Surfaces = surf
		if len(c.Surfaces) == 0 {
			c.Surfaces = []models.Surface{{Name: "姓名", ValueType: models.ValueString, Value: holders[c.HolderID].Name}}
		}
		for i := range c.Surfaces {
			c.Surfaces[i].CertificateID = c.ID
		}
		if _, err := w.PutCertificate(ctx, &issuing.Certificate{Certificate: c, Holder: holders[c.HolderID], Dept: deptOf[c.IssueDeptCode]}); err != nil {
			t.Fatalf("put %s: %v", c.ID, err)
		}
	}
	// Import: new certificates whose validity starts or ends this month, next
	// month or at the turn of the year, and changed ones (moved between keys).
	days := []models.Date{{Year: 2024, Month: 3, Day: 1}, {Year: 2024, Month: 3, Day: 31}, {Year: 2024, Month: 4, Day: 1},
		{Year: 2023, Month: 12, Day: 31}, {Year: 2024, Month: 1, Day: 1}, {Year: 2024, Month: 2, Day: 29}}
	// Validity starting and ending within one year, and within one month.
	spans := [][2]models.Date{{{Year: 2024, Month: 1, Day: 10}, {Year: 2024, Month: 11, Day: 20}}, {{Year: 2024, Month: 3, Day: 2}, {Year: 2024, Month: 3, Day: 20}},
		{{Year: 2024, Month: 3, Day: 20}, {Year: 2024, Month: 4, Day: 2}}, {{Year: 2023, Month: 2, Day: 1}, {Year: 2023, Month: 12, Day: 31}}}
	for i, c := range seeded[:12] {
		d := days[i%len(days)]

		nc := c
		id, err := ident.ParseCertID(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		nid, err := ident.NewCertID(id.TypeCode, id.IssuerCode, id.Serial, "002")
		if err != nil {
			t.Fatal(err)
		}
		nc.ID, nc.RevokedAt, nc.RevokeReason = nid.String(), nil, ""
		switch {
		case i >= 8:
			sp := spans[i-8]
			nc.IssueDate, nc.ValidFrom, nc.ValidUntil = sp[0], sp[0], &sp[1]
		case i%2 == 0:
			nc.IssueDate, nc.ValidFrom = d, d
			until := d.AddDays(400)
			nc.ValidUntil = &until
		default:
			nc.IssueDate, nc.ValidFrom = d.AddDays(-700), d.AddDays(-700)
			nc.ValidUntil = &d
		}
		put(nc)
	}
	for i, c := range seeded[12:18] {
		d := days[i%len(days)]
		if c.RevokedAt != nil {
			continue
		}
		if c.ValidFrom.Before(d) || c.ValidFrom == d {
			c.ValidUntil = &d
		} else {
			c.ValidUntil = nil
		}
		put(c)
	}
	// Revocation (in its transaction, as the mutation does) and a file.
	for _, c := range seeded[18:24] {
		if c.RevokedAt != nil {
			continue
		}
		if err := db.Transaction(ctx, func(tx *store.DB) error {
			return tx.RevokeCertificate(ctx, c.ID, today.Time(), "test")
		}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := issuing.NewFile("fileEntity", models.FormatPDF, []byte("%PDF-1.7\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AttachFile(ctx, seeded[30].ID, f); err != nil {
		t.Fatal(err)
	}

	certs := all()
	if len(certs) != 812 {
		t.Fatalf("%d certificates after import", len(certs))
	}
	typ, dept := certs[0].TypeCode, certs[0].IssueDeptCode
	y2022f, y2022t := models.Date{Year: 2022, Month: 1, Day: 1}, models.Date{Year: 2022, Month: 12, Day: 31}
	y2024f, y2024t := models.Date{Year: 2024, Month: 1, Day: 1}, models.Date{Year: 2024, Month: 12, Day: 31}
	febF, febT := models.Date{Year: 2024, Month: 2, Day: 1}, models.Date{Year: 2024, Month: 2, Day: 29}
	oddF := models.Date{Year: 2021, Month: 6, Day: 10}
	checkDays := []models.Date{today, {Year: 2024, Month: 3, Day: 1}, {Year: 2024, Month: 3, Day: 10}, {Year: 2024, Month: 6, Day: 1}, {Year: 2023, Month: 6, Day: 1}, {Year: 2024, Month: 3, Day: 31}, {Year: 2024, Month: 4, Day: 1},
		{Year: 2023, Month: 12, Day: 31}, {Year: 2024, Month: 1, Day: 1}, {Year: 2024, Month: 2, Day: 29}, {Year: 2030, Month: 7, Day: 4}, {Year: 2001, Month: 1, Day: 1},
		{Year: 2024, Month: 3, Day: 20}, {Year: 2024, Month: 3, Day: 19}, {Year: 2024, Month: 9, Day: 30}, {Year: 2024, Month: 7, Day: 2}, {Year: 2024, Month: 11, Day: 20}}
	for _, day := range checkDays {
		statuses := []models.CertificateStatus{models.StatusValid, models.StatusExpired, models.StatusRevoked, models.StatusNotYetValid}
		filters := []store.CertificateFilter{{}, {TypeCode: typ}, {IssueDeptCode: dept}, {Region: "51"}, {Region: "11"},
			{IssuedFrom: &y2022f, IssuedTo: &y2022t}, {IssuedFrom: &febF, IssuedTo: &febT}, {IssuedFrom: &oddF},
			{TypeCode: typ, IssuedFrom: &y2022f}, {IssuedFrom: &y2024f, IssuedTo: &y2024t}, {IssuedTo: &y2022t}}
		for i := range statuses {
			filters = append(filters, store.CertificateFilter{Status: &statuses[i]}, store.CertificateFilter{Status: &statuses[i], Region: "51"},
				store.CertificateFilter{Status: &statuses[i], TypeCode: typ}, store.CertificateFilter{Status: &statuses[i], IssueDeptCode: dept},
				store.CertificateFilter{Status: &statuses[i], IssuedFrom: &y2024f, IssuedTo: &y2024t})
		}
		for _, f := range filters {
			f.Today = day
			got, err := db.Statistics(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			want := oracle(certs, f)
			if g, w := fmt.Sprint(*got), fmt.Sprint(*want); g != w {
				t.Errorf("day %s filter %+v:\n got %s\nwant %s", day, f, g, w)
			}
			// The total and each status total equal COUNT(*) in the database,
			// from the statistics and from CountCertificatesMatching (which
			// answers totalCount from the aggregate).
			byStatus := map[string]int64{}
			total := int64(0)
			for _, g := range got.ByStatus {
				byStatus[g.Key] = g.Count
				total += g.Count
			}
			counts := func(cf store.CertificateFilter) (agg, scan int64) {
				t.Helper()
				agg, err1 := db.CountCertificatesMatching(ctx, cf)
				scan, err2 := db.CountCertificatesScanning(ctx, cf)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				return agg, scan
			}
			if agg, scan := counts(f); agg != scan || total != scan {
				t.Errorf("day %s filter %+v: total %d by statistics, %d by CountCertificatesMatching, COUNT(*) %d", day, f, total, agg, scan)
			}
			for _, st := range statuses {
				cf := f
				if cf.Status == nil {
					cf.Status = &st
				} else if *cf.Status != st {
					continue
				}
				if agg, scan := counts(cf); agg != scan || byStatus[string(st)] != scan {
					t.Errorf("day %s filter %+v status %s: statistics %d, CountCertificatesMatching %d, COUNT(*) %d", day, f, st, byStatus[string(st)], agg, scan)
				}
			}
			// A search by status walks only the issue months the aggregate
			// names: page by page it lists exactly what the oracle admits.
			if f.Status != nil {
				checkSearch(t, db, certs, f)
			}
		}
	}
}

// checkSearch pages through SearchCertificates with f and compares the
// identifiers, in order, with those of certs f admits (newest issue first,
// then id descending).
func checkSearch(t *testing.T, db *store.DB, certs []models.Certificate, f store.CertificateFilter) {
	t.Helper()
	var want []string
	for _, c := range certs {
		if admits(c, f) {
			want = append(want, c.IssueDate.String()+" "+c.ID)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(want)))
	var got []string
	var after *store.Keyset
	for {
		page, err := db.SearchCertificates(context.Background(), f, after, 25)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			got = append(got, c.IssueDate.String()+" "+c.ID)
		}
		if len(page) < 25 {
			break
		}
		last := page[len(page)-1]
		after = &store.Keyset{IssueDate: last.IssueDate.String(), ID: last.ID}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("day %s filter %+v: search found %d certificates, want %d", f.Today, f, len(got), len(want))
	}
}

// admits reports whether f admits c (classified in Go).
func admits(c models.Certificate, f store.CertificateFilter) bool {
	return !(f.TypeCode != "" && c.TypeCode != f.TypeCode ||
		f.IssueDeptCode != "" && c.IssueDeptCode != f.IssueDeptCode ||
		f.Status != nil && c.Status(f.Today) != *f.Status ||
		f.IssuedFrom != nil && c.IssueDate.Before(*f.IssuedFrom) ||
		f.IssuedTo != nil && f.IssuedTo.Before(c.IssueDate) ||
		f.Region != "" && c.IssueDeptCode[2:4] != f.Region)
}

// oracle groups certs f admits, classifying each row in Go.
func oracle(certs []models.Certificate, f store.CertificateFilter) *store.Statistics {
	by := [4]map[string]int64{{}, {}, {}, {}}
	for _, c := range certs {
		if !admits(c, f) {
			continue
		}
		st := c.Status(f.Today)
		by[0][c.TypeCode]++
		by[1][c.IssueDeptCode]++
		by[2][string(st)]++
		by[3][c.IssueDeptCode[2:4]]++
	}
	var gs [4][]store.Group
	for i, m := range by {
		gs[i] = []store.Group{}
		for k, n := range m {
			gs[i] = append(gs[i], store.Group{Key: k, Count: n})
		}
		sortGroups(gs[i])
	}
	return &store.Statistics{ByType: gs[0], ByDepartment: gs[1], ByStatus: gs[2], ByRegion: gs[3]}
}

func sortGroups(g []store.Group) {
	for i := 1; i < len(g); i++ {
		for j := i; j > 0 && g[j].Key < g[j-1].Key; j-- {
			g[j], g[j-1] = g[j-1], g[j]
		}
	}
}
