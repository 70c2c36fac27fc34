package importer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/ident"
	"certgraph/internal/issuing"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openSQLite(t *testing.T) *store.DB { return storetest.SQLite(t) }

// importInto imports r into st through the one write path.
func importInto(t *testing.T, st *store.DB, r io.Reader, opts Options) (Report, error) {
	t.Helper()
	c, err := cache.New(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return Import(context.Background(), st, issuing.NewWriter(st, c, nil, "", nil), r, opts, nil)
}

func openMySQL(t *testing.T) *store.DB { return storetest.MySQL(t) }

func example(t *testing.T) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/example.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func encode(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// with returns a copy of m with key set (or removed when v is nil).
func with(m map[string]any, key string, v any) map[string]any {
	c := map[string]any{}
	for k, x := range m {
		c[k] = x
	}
	if v == nil {
		delete(c, key)
	} else {
		c[key] = v
	}
	return c
}

func counts(t *testing.T, st *store.DB) [4]int64 {
	db := st.Gorm()
	t.Helper()
	var c [4]int64
	for i, m := range []any{&models.Holder{}, &models.Certificate{}, &models.Surface{}, &models.Department{}} {
		if err := db.Model(m).Count(&c[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestExampleSQLite(t *testing.T)  { checkExample(t, openSQLite(t)) }
func TestExampleMySQL(t *testing.T)   { checkExample(t, openMySQL(t)) }
func TestBadLinesSQLite(t *testing.T) { checkBadLines(t, openSQLite(t)) }
func TestBadLinesMySQL(t *testing.T)  { checkBadLines(t, openMySQL(t)) }

func checkExample(t *testing.T, st *store.DB) {
	db := st.Gorm()
	f, err := os.Open("testdata/example.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := importInto(t, st, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 5 || rep.Imported != 5 || len(rep.Errors) != 0 || len(rep.Changed) != 5 {
		t.Fatalf("report %+v", rep)
	}
	before := counts(t, st)
	if before != [4]int64{4, 5, 12, 4} {
		t.Errorf("rows (holders, certificates, surfaces, departments) = %v", before)
	}

	var certs []models.Certificate
	if err := db.Preload("Surfaces").Order("issue_date").Find(&certs).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		id, err := ident.ParseCertID(c.ID)
		if err != nil || id.TypeCode != c.TypeCode || id.IssuerCode != c.IssueDeptCode {
			t.Errorf("certificate %s: %v", c.ID, err)
		}
	}
	// 2015年03月01日 parsed; 长期 and "" are long-term.
	if certs[0].IssueDate != (models.Date{Year: 2015, Month: 3, Day: 1}) || certs[0].ValidUntil == nil || certs[0].ValidUntil.String() != "2035-03-01" {
		t.Errorf("ID card dates %s–%v", certs[0].IssueDate, certs[0].ValidUntil)
	}
	for _, c := range certs {
		if (c.Name == "营业执照" || c.Name == "结婚证") != (c.ValidUntil == nil) {
			t.Errorf("%s valid until %v", c.Name, c.ValidUntil)
		}
	}
	var rare models.Holder
	if err := db.Where("name = ?", "李𠈌").First(&rare).Error; err != nil || rare.Code != "510703199205060022" {
		t.Errorf("holder 李𠈌: %v %+v", err, rare)
	}

	// Re-import: nothing changes.
	f2, _ := os.Open("testdata/example.jsonl")
	defer f2.Close()
	rep, err = importInto(t, st, f2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unchanged != 5 || rep.Imported != 0 || rep.Updated != 0 || len(rep.Changed) != 0 {
		t.Fatalf("re-import %+v", rep)
	}
	if after := counts(t, st); after != before {
		t.Fatalf("re-import changed row counts %v → %v", before, after)
	}

	// The same line with a different surface value updates the certificate
	// (same assigned id) and replaces its surfaces.
	lines := example(t)
	m := lines[2]
	surf := m["Surface"].([]any)
	s0 := surf[0].(map[string]any)
	surf[0] = with(s0, "value", "成都锦程信息科技有限公司")
	rep, err = importInto(t, st, strings.NewReader(encode(t, m)), Options{})
	if err != nil || rep.Updated != 1 || len(rep.Changed) != 1 {
		t.Fatalf("update: %v %+v", err, rep)
	}
	var s models.Surface
	if err := db.Where("certificate_id = ? AND position = 0", rep.Changed[0]).First(&s).Error; err != nil || s.Value != "成都锦程信息科技有限公司" {
		t.Errorf("updated surface %+v: %v", s, err)
	}
	if after := counts(t, st); after != before {
		t.Fatalf("update changed row counts %v → %v", before, after)
	}
}

func checkBadLines(t *testing.T, st *store.DB) {
	db := st.Gorm()
	lines := example(t)
	good := lines[0]
	badCode := good["certificateHolderCode"].(string)
	badCode = badCode[:17] + string("0123456789"[(strings.IndexByte("0123456789", badCode[17])+1)%10])
	// A valid identifier for the first line, then one with a wrong check character.
	cid, err := ident.NewCertID("11100000000013338W001", good["issueDeptCode"].(string), "2015000001", "001")
	if err != nil {
		t.Fatal(err)
	}
	wrong := cid.String()[:len(cid.String())-1] + map[bool]string{true: "A", false: "B"}[cid.Check != 'A']
	otherIssuer, _ := ident.NewCertID("11100000000013338W001", "91370406L24894136J", "1", "001")
	surf := good["Surface"].([]any)
	badSurface := append([]any{}, surf...)
	badSurface[1] = with(surf[1].(map[string]any), "valueType", "text")
	badPicture := append([]any{}, surf...)
	badPicture[3] = with(surf[3].(map[string]any), "value", "not base64!")
	input := []string{
		encode(t, lines[0]),                                     // 1 good
		`{"certificateType": "居民身份证",`,                          // 2 bad JSON
		encode(t, with(lines[1], "certificateHolder", nil)),     // 3 missing field
		encode(t, with(good, "certificateHolderCode", badCode)), // 4 wrong check char
		encode(t, with(good, "certificateType", "驾照")),          // 5 unknown type
		encode(t, with(good, "issueDate", "2015年02月30日")),       // 6 bad date
		encode(t, with(good, "certificateID", wrong)),           // 7 id with wrong check char
		encode(t, with(good, "Surface", badSurface)),            // 8 bad valueType
		"",                  // 9 blank: skipped
		encode(t, lines[2]), // 10 good
		encode(t, with(good, "certificateID", otherIssuer.String())),                                 // 11 id of another issuer
		encode(t, with(good, "certificateHolderType", "001")),                                        // 12 org holder type for a person type
		encode(t, with(good, "issueDeptCode", "11510100009802386E")),                                 // 13 bad dept code
		encode(t, with(good, "certificateValidateEnd", "2010-01-01")),                                // 14 end before start
		encode(t, with(good, "Surface", badPicture)),                                                 // 15 picture not base64
		encode(t, with(good, "file", map[string]any{"fileFormat": "doc", "fileEntity": "JVBERi0="})), // 16 bad format
		encode(t, with(good, "file", map[string]any{"fileFormat": "pdf", "fileEntity": "UEsDBA=="})), // 17 zip as pdf
		encode(t, with(good, "certificateNumber", 42)),                                               // 18 number, not string
		"{\"certificateType\": \"\xff\xfe\"}",                                                        // 19 not UTF-8
		encode(t, with(lines[3], "certificateHolderType", "999")),                                    // 20 good: other person code type, no checksum
	}
	want := map[int]string{
		2: "", 3: "certificateHolder", 4: "certificateHolderCode", 5: "certificateType", 6: "issueDate",
		7: "certificateID", 8: "Surface[1].valueType", 11: "certificateID", 12: "certificateHolderType",
		13: "issueDeptCode", 14: "certificateValidateEnd", 15: "Surface[3].value", 16: "file.fileFormat",
		17: "file.fileEntity", 18: "certificateNumber", 19: "",
	}
	rep, err := importInto(t, st, strings.NewReader(strings.Join(input, "\r\n")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, e := range rep.Errors {
		got[e.Line] = e.Field
		t.Logf("%s", e.Error())
	}
	for line, field := range want {
		if f, ok := got[line]; !ok || f != field {
			t.Errorf("line %d: got field %q (reported %v), want %q", line, f, ok, field)
		}
	}
	if len(rep.Errors) != len(want) {
		t.Errorf("%d errors, want %d", len(rep.Errors), len(want))
	}
	if rep.Lines != 19 || rep.Imported != 3 {
		t.Errorf("report %+v", rep)
	}
	for _, e := range rep.Errors {
		if e.Line == 4 && !strings.Contains(e.Message, "check character") {
			t.Errorf("line 4 message %q does not name the check character", e.Message)
		}
	}
	// Nothing of the bad lines is stored: only the three good lines' rows.
	var n int64
	db.Model(&models.Certificate{}).Count(&n)
	if n != 3 {
		t.Errorf("%d certificates stored, want 3", n)
	}
	var h int64
	db.Model(&models.Holder{}).Where("code = ?", badCode).Count(&h)
	if h != 0 {
		t.Error("holder of a rejected line was stored")
	}
}

func TestFile(t *testing.T) {
	st := openSQLite(t)
	db := st.Gorm()
	good := example(t)[0]
	pdf := "%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
	line := encode(t, with(good, "file", map[string]any{"fileFormat": "PDF", "fileEntity": base64.StdEncoding.EncodeToString([]byte(pdf))}))

	rep, err := importInto(t, st, strings.NewReader(line), Options{})
	if err != nil || rep.Imported != 1 || len(rep.Warnings) != 0 || len(rep.Changed) != 1 {
		t.Fatalf("with file: %v %+v", err, rep)
	}
	f, err := st.File(context.Background(), rep.Changed[0])
	if err != nil || f == nil || !bytes.Equal(f.Content, []byte(pdf)) || f.Format != models.FormatPDF {
		t.Fatalf("stored file %+v: %v", f, err)
	}
	rep, err = importInto(t, st, strings.NewReader(line), Options{})
	if err != nil || rep.Unchanged != 1 || len(rep.Errors) != 0 {
		t.Fatalf("again: %v %+v", err, rep)
	}

	// Import refuses what attach refuses: the same file check runs.
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{' '}, 6<<20)...)
	for name, file := range map[string]map[string]any{
		"fake OFD (PK prefix only)": {"fileFormat": "ofd", "fileEntity": base64.StdEncoding.EncodeToString([]byte("PK\x03\x04rest"))},
		"6 MiB PDF":                 {"fileFormat": "pdf", "fileEntity": base64.StdEncoding.EncodeToString(big)},
	} {
		other := encode(t, with(with(example(t)[1], "file", file), "certificateNumber", "X1"))
		rep, err = importInto(t, st, strings.NewReader(other), Options{})
		if err != nil || len(rep.Errors) != 1 || rep.Errors[0].Field != "file.fileEntity" {
			t.Fatalf("%s: %v %+v", name, err, rep)
		}
		var n int64
		db.Model(&models.Certificate{}).Count(&n)
		if n != 1 {
			t.Errorf("%s: %d certificates after a rejected line, want 1", name, n)
		}
	}
}

func TestLongLine(t *testing.T) {
	st := openSQLite(t)
	good := encode(t, example(t)[0])
	long := `{"certificateName": "` + strings.Repeat("x", 5000) + `"}`
	rep, err := importInto(t, st, strings.NewReader(long+"\n"+good+"\n"), Options{MaxLineBytes: 4096})
	if err != nil || rep.Lines != 2 || rep.Imported != 1 || len(rep.Errors) != 1 || rep.Errors[0].Line != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
}

func TestAssignedIDStable(t *testing.T) {
	a := serialFor("11100000000013338W001", "123", "510107198803124514")
	b := serialFor("11100000000013338W001", "123", "510107198803124514")
	c := serialFor("11100000000013338W001", "124", "510107198803124514")
	if a != b || a == c || len(a) != 16 {
		t.Fatalf("serials %s %s %s", a, b, c)
	}
}
