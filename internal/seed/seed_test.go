package seed

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"certgraph/internal/ident"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var refDay = models.Date{Year: 2025, Month: time.June, Day: 15}

func openSQLite(t testing.TB) *store.DB { return storetest.SQLite(t) }

func openMySQL(t testing.TB) *store.DB { return storetest.MySQL(t) }

// dump renders every generated row (without autoincrement ids and
// insertion timestamps, which are the database's, not the generator's) so
// two databases can be compared.
func dump(t *testing.T, st *store.DB) string {
	db := st.Gorm()
	t.Helper()
	var b strings.Builder
	var hs []models.Holder
	if err := db.Order("code").Find(&hs).Error; err != nil {
		t.Fatal(err)
	}
	codeOf := map[int64]string{}
	for _, h := range hs {
		codeOf[h.ID] = h.Code
		fmt.Fprintf(&b, "H %s %s %s %s %s\n", h.Code, h.TypeCode, h.Name, h.Province, h.CreatedAt.UTC().Format(time.RFC3339))
	}
	var cs []models.Certificate
	if err := db.Preload("Surfaces", storetest.OrderedBy("position")).Order("id").Find(&cs).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		until := "长期"
		if c.ValidUntil != nil {
			until = c.ValidUntil.String()
		}
		rev := ""
		if c.RevokedAt != nil {
			rev = c.RevokedAt.UTC().Format(time.RFC3339) + " " + c.RevokeReason
		}
		fmt.Fprintf(&b, "C %s %s %s %s %s %s %s %s %s %s\n", c.ID, c.TypeCode, c.Name, c.Number, codeOf[c.HolderID], c.IssueDeptCode, c.IssueDate, c.ValidFrom, until, rev)
		for _, s := range c.Surfaces {
			fmt.Fprintf(&b, "  S %d %s %s %s %s\n", s.Position, s.Name, s.ColumnName, s.ValueType, s.Value)
		}
	}
	return b.String()
}

func TestDeterministic(t *testing.T) {
	opts := Options{Certificates: 600, Seed: 42, Today: refDay, BatchSize: 250}
	var dumps []string
	for range 2 {
		st := openSQLite(t)
		if _, err := Generate(context.Background(), st, opts, nil); err != nil {
			t.Fatal(err)
		}
		dumps = append(dumps, dump(t, st))
	}
	if dumps[0] != dumps[1] {
		t.Fatal("two runs with the same options produced different rows")
	}
	// A different seed must give different data, or the test above proves nothing.
	st := openSQLite(t)
	opts.Seed = 43
	if _, err := Generate(context.Background(), st, opts, nil); err != nil {
		t.Fatal(err)
	}
	if dump(t, st) == dumps[0] {
		t.Fatal("seeds 42 and 43 produced identical rows")
	}
}

func TestSQLite(t *testing.T) { checkDatabase(t, openSQLite(t)) }
func TestMySQL(t *testing.T)  { checkDatabase(t, openMySQL(t)) }

// checkDatabase generates a data set into db and checks everything the
// package promises about it.
func checkDatabase(t *testing.T, st *store.DB) {
	db := st.Gorm()
	ctx := context.Background()
	const n = 4000
	var calls, last int
	// On MySQL the five batches are stored four at a time.
	sum, err := Generate(ctx, st, Options{Certificates: n, Seed: 7, Today: refDay, BatchSize: 900, Writers: 4}, func(done, total int) {
		calls++
		if total != n || done < last || done > total {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Certificates != n || last != n || calls != 5 {
		t.Fatalf("summary %+v, last progress %d after %d calls; want %d certificates in 5 batches", sum, last, calls, n)
	}

	var certs []models.Certificate
	if err := db.Preload("Surfaces").Find(&certs).Error; err != nil {
		t.Fatal(err)
	}
	var holders []models.Holder
	if err := db.Find(&holders).Error; err != nil {
		t.Fatal(err)
	}
	if len(certs) != n || len(holders) != sum.Holders {
		t.Fatalf("stored %d certificates, %d holders; summary %+v", len(certs), len(holders), sum)
	}
	byID := map[int64]models.Holder{}
	rare := 0
	for _, h := range holders {
		byID[h.ID] = h
		var err error
		switch h.TypeCode {
		case models.HolderTypeCitizenID:
			err = ident.ValidateCitizenID(h.Code)
			if err == nil && h.Province != h.Code[:2] {
				err = fmt.Errorf("province %s", h.Province)
			}
		case models.HolderTypeCreditCode:
			err = ident.ValidateCreditCode(h.Code)
			if err == nil && h.Province != h.Code[2:4] {
				err = fmt.Errorf("province %s", h.Province)
			}
		default:
			err = fmt.Errorf("unexpected holder type %s", h.TypeCode)
		}
		if err != nil {
			t.Errorf("holder %s %s: %v", h.Code, h.Name, err)
		}
		if strings.Contains(h.Name, "𠈌") {
			rare++
			var back models.Holder
			if err := db.Where("name = ?", h.Name).First(&back).Error; err != nil || back.Code != h.Code {
				t.Errorf("looking up %q by name: %v, got %q", h.Name, err, back.Name)
			}
		}
	}
	if rare == 0 {
		t.Error("no holder name with 𠈌 (CJK Extension B)")
	}

	var depts []models.Department
	if err := db.Find(&depts).Error; err != nil {
		t.Fatal(err)
	}
	deptName := map[string]string{}
	for _, d := range depts {
		if err := ident.ValidateCreditCode(d.Code); err != nil || d.Province != d.Code[2:4] {
			t.Errorf("department %s %s: %v (province %s)", d.Code, d.Name, err, d.Province)
		}
		deptName[d.Code] = d.Name
	}

	types := map[string]models.CertificateType{}
	for _, ct := range store.CertificateTypes {
		types[ct.Code] = ct
	}
	kindOf := map[string]models.HolderKind{models.HolderTypeCitizenID: models.KindPerson, models.HolderTypeCreditCode: models.KindOrganisation}
	status := map[models.CertificateStatus]int{}
	longTerm, nonLocal, pictures := 0, 0, 0
	for _, c := range certs {
		id, err := ident.ParseCertID(c.ID)
		if err != nil {
			t.Fatalf("certificate id %s: %v", c.ID, err)
		}
		if id.TypeCode != c.TypeCode || id.IssuerCode != c.IssueDeptCode {
			t.Errorf("certificate %s: id parts disagree with type %s / issuer %s", c.ID, c.TypeCode, c.IssueDeptCode)
		}
		if id.IssuerProvince() != "51" {
			nonLocal++
		}
		if deptName[c.IssueDeptCode] == "" {
			t.Errorf("certificate %s: issuer %s not stored", c.ID, c.IssueDeptCode)
		}
		ct, ok := types[c.TypeCode]
		h := byID[c.HolderID]
		if !ok || ct.Name != c.Name || ct.HolderKind != kindOf[h.TypeCode] {
			t.Errorf("certificate %s of type %s (%s) held by %s holder %s", c.ID, c.TypeCode, c.Name, h.TypeCode, h.Code)
		}
		if len(c.Surfaces) != len(ct.SurfaceTemplate) {
			t.Fatalf("certificate %s has %d surfaces, template %d", c.ID, len(c.Surfaces), len(ct.SurfaceTemplate))
		}
		val := map[string]string{}
		for _, s := range c.Surfaces {
			f := ct.SurfaceTemplate[s.Position]
			if s.Name != f.Name || s.ColumnName != f.ColumnName || s.ValueType != f.ValueType || s.Value == "" {
				t.Errorf("certificate %s surface %d = %+v, template %+v", c.ID, s.Position, s, f)
			}
			val[s.Name] = s.Value
			if s.ValueType == models.ValuePicture {
				pictures++
				raw, err := base64.StdEncoding.DecodeString(s.Value)
				if err != nil {
					t.Fatalf("certificate %s picture %s: %v", c.ID, s.Name, err)
				}
				if _, err := png.Decode(bytes.NewReader(raw)); err != nil || len(raw) > 1024 {
					t.Fatalf("certificate %s picture %s: %d bytes, decode: %v", c.ID, s.Name, len(raw), err)
				}
			}
		}
		checkConsistent(t, c, h, val, deptName[c.IssueDeptCode])
		st := c.Status(refDay)
		status[st]++
		if c.ValidUntil == nil {
			longTerm++
		} else if c.ValidUntil.Before(c.ValidFrom) {
			t.Errorf("certificate %s valid from %s until %s", c.ID, c.ValidFrom, c.ValidUntil)
		}
		if (c.RevokedAt == nil) != (c.RevokeReason == "") {
			t.Errorf("certificate %s: revoked at %v, reason %q", c.ID, c.RevokedAt, c.RevokeReason)
		}
	}
	for st, n := range sum.ByStatus {
		if status[st] != n {
			t.Errorf("summary says %d %s, stored %d", n, st, status[st])
		}
	}
	frac := func(k int) float64 { return float64(k) / n }
	t.Logf("status %v, long-term %.1f%%, non-local %d, pictures %d, holders %d", status, 100*frac(longTerm), nonLocal, pictures, len(holders))
	if f := frac(status[models.StatusExpired]); f < 0.05 || f > 0.11 {
		t.Errorf("expired %.1f%%, want about 8%%", 100*f)
	}
	if f := frac(longTerm); f < 0.15 || f > 0.25 {
		t.Errorf("long-term %.1f%%, want about 20%%", 100*f)
	}
	if f := frac(status[models.StatusRevoked]); f < 0.01 || f > 0.03 {
		t.Errorf("revoked %.1f%%, want about 2%%", 100*f)
	}
	if status[models.StatusNotYetValid] == 0 || frac(status[models.StatusNotYetValid]) > 0.02 {
		t.Errorf("%d not-yet-valid certificates, want a few", status[models.StatusNotYetValid])
	}
	if nonLocal != 0 {
		// A node holds only its own province's certificates: the national
		// directory refuses the others, and the hub answers them.
		t.Errorf("%d certificates issued outside region 51, want none", nonLocal)
	}

	checkCounts(t, st)

	// Idempotent: a second run with the same options adds nothing.
	counts := func() [4]int64 {
		var c [4]int64
		for i, m := range []any{&models.Holder{}, &models.Certificate{}, &models.Surface{}, &models.Department{}} {
			if err := db.Model(m).Count(&c[i]).Error; err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	before := counts()
	again, err := Generate(ctx, st, Options{Certificates: n, Seed: 7, Today: refDay, BatchSize: 700}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := counts(); after != before || again.Certificates != 0 || again.Holders != 0 || again.SkippedCertificates != n {
		t.Fatalf("second run: %+v, rows %v → %v", again, before, after)
	}
	// A larger run with the same seed extends the data set: only the new
	// certificates are inserted.
	more, err := Generate(ctx, st, Options{Certificates: n + 500, Seed: 7, Today: refDay}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if more.Certificates != 500 || more.SkippedCertificates != n {
		t.Fatalf("extending run: %+v", more)
	}
}

// checkCounts compares the statistics aggregate, at both grains, with the
// certificates grouped the same way: batches stored at once must add up.
func checkCounts(t *testing.T, st *store.DB) {
	t.Helper()
	read := func(q string) string {
		rows, err := st.Gorm().Raw(q).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var typ, dept, issue, from, until string
			var revoked, n int
			if err := rows.Scan(&typ, &dept, &issue, &revoked, &from, &until, &n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, typ, dept, issue, revoked, from, until, n)
		}
		return b.String()
	}
	for table, n := range map[string]string{"certificate_counts": "7", "certificate_counts_yearly": "4"} {
		got := read("SELECT type_code, issue_dept_code, issue_period, revoked, from_period, until_period, n FROM " + table + " WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6")
		want := read("SELECT type_code, issue_dept_code, SUBSTR(issue_date, 1, " + n + "), CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, " +
			"SUBSTR(valid_from, 1, " + n + "), COALESCE(SUBSTR(valid_until, 1, " + n + "), ''), COUNT(*) FROM certificates GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6")
		if got != want || got == "" {
			t.Errorf("%s differs from the certificates grouped:\n%s\nwant\n%s", table, got, want)
		}
	}
}

// checkConsistent checks that surface values agree with the holder and
// the certificate.
func checkConsistent(t *testing.T, c models.Certificate, h models.Holder, val map[string]string, dept string) {
	t.Helper()
	want := map[string]string{}
	switch c.Name {
	case typeIDCard:
		want = map[string]string{"姓名": h.Name, "公民身份号码": h.Code, "签发机关": dept}
		gender := "女"
		if (h.Code[16]-'0')%2 == 1 {
			gender = "男"
		}
		want["性别"] = gender
		want["出生"] = h.Code[6:10] + "年" + h.Code[10:12] + "月" + h.Code[12:14] + "日"
		if c.Number != h.Code {
			t.Errorf("ID card %s number %s, holder %s", c.ID, c.Number, h.Code)
		}
	case typeDriving:
		want = map[string]string{"姓名": h.Name, "出生日期": h.Code[6:10] + "年" + h.Code[10:12] + "月" + h.Code[12:14] + "日"}
	case typePassport:
		want = map[string]string{"姓名": h.Name, "护照号": c.Number}
	case typeProperty:
		want = map[string]string{"权利人": h.Name}
	case typeMarriage:
		want = map[string]string{"持证人": h.Name, "结婚证字号": c.Number}
		for _, k := range []string{"男方身份证件号", "女方身份证件号"} {
			if err := ident.ValidateCitizenID(val[k]); err != nil {
				t.Errorf("marriage %s %s %s: %v", c.ID, k, val[k], err)
			}
		}
		if val["男方身份证件号"] != h.Code && val["女方身份证件号"] != h.Code {
			t.Errorf("marriage %s does not name its holder %s", c.ID, h.Code)
		}
	case typeBusiness:
		want = map[string]string{"名称": h.Name, "统一社会信用代码": h.Code}
		if c.Number != h.Code {
			t.Errorf("business licence %s number %s, holder %s", c.ID, c.Number, h.Code)
		}
	case typeFood:
		want = map[string]string{"经营者名称": h.Name, "社会信用代码": h.Code, "许可证编号": c.Number}
	}
	for k, v := range want {
		if val[k] != v {
			t.Errorf("%s %s: surface %s = %q, want %q", c.Name, c.ID, k, val[k], v)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	st := openSQLite(t)
	if _, err := Generate(context.Background(), st, Options{Certificates: 1, Region: "11"}, nil); !errors.Is(err, ErrUnsupportedRegion) {
		t.Errorf("region 11: %v", err)
	}
	if _, err := Generate(context.Background(), st, Options{Certificates: -1}, nil); err == nil {
		t.Error("negative count accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, st, Options{Certificates: 100}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestDepartmentCodes(t *testing.T) {
	seen := map[string]string{}
	for _, d := range departments {
		code, err := deptCode(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := ident.ValidateCreditCode(code); err != nil {
			t.Errorf("%s %s: %v", d.name, code, err)
		}
		if code[:2] != "11" || code[2:8] != d.division {
			t.Errorf("%s %s: want 11 + %s", d.name, code, d.division)
		}
		if other, dup := seen[code]; dup {
			t.Errorf("%s and %s share %s", d.name, other, code)
		}
		seen[code] = d.name
	}
	// GB 11714 by hand: Σ (1..8)·(3 7 9 10 5 8 4 2) = 201, 201 mod 11 = 3, 11 − 3 = 8.
	if oc, _ := orgCode("12345678"); oc != "123456788" {
		t.Errorf("orgCode(12345678) = %s", oc)
	}
}

func BenchmarkGenerate(b *testing.B) {
	const n = 10000
	for b.Loop() {
		b.StopTimer()
		st := openSQLite(b)
		b.StartTimer()
		if _, err := Generate(context.Background(), st, Options{Certificates: n, Seed: 1, Today: refDay}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "certificates/s")
}
