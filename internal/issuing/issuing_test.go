package issuing

import (
	"bytes"
	"testing"

	"certgraph/internal/ident"
	"certgraph/models"
)

func TestNewFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format models.FileFormat
		data   []byte
		ok     bool
	}{
		{"small PDF", models.FormatPDF, []byte("%PDF-1.7\n%%EOF\n"), true},
		{"empty", models.FormatPDF, nil, false},
		{"not a PDF", models.FormatPDF, []byte("hello"), false},
		{"6 MiB PDF", models.FormatPDF, append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{' '}, 6<<20)...), false},
		{"PDF at the limit", models.FormatPDF, append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{' '}, models.MaxFileSize-9)...), true},
		{"fake OFD (PK prefix only)", models.FormatOFD, []byte("PK\x03\x04rest"), false},
		{"unknown format", "doc", []byte("%PDF-"), false},
	} {
		f, err := NewFile("fileEntity", tc.format, tc.data)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err == nil && (f.Format() != tc.format || !bytes.Equal(f.Data(), tc.data)) {
			t.Errorf("%s: file %s of %d bytes", tc.name, f.Format(), len(f.Data()))
		}
		if err != nil && models.ErrorCode(err) != models.EINVALID {
			t.Errorf("%s: %v is not EINVALID", tc.name, err)
		}
	}
	if _, err := DecodeFile("fileEntity", models.FormatPDF, "JVBER i0x\nLjc="); err != nil {
		t.Errorf("base64 with white space: %v", err)
	}
	if _, err := DecodeFile("fileEntity", models.FormatPDF, "***"); models.ErrorField(err) != "fileEntity" {
		t.Errorf("bad base64: %v", err)
	}
}

func check(t *testing.T, first17 string, f func(string) (byte, error)) string {
	t.Helper()
	c, err := f(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func TestValidate(t *testing.T) {
	dept := check(t, "11510000MB0000001", ident.CreditCodeCheck)
	const typeCode = "11100000000013338W001"
	id, err := ident.NewCertID(typeCode, dept, "0001", "001")
	if err != nil {
		t.Fatal(err)
	}
	good := func() *Certificate {
		from := models.Date{Year: 2020, Month: 1, Day: 1}
		return &Certificate{
			Certificate: models.Certificate{ID: id.String(), TypeCode: typeCode, Name: "居民身份证", Number: "1", IssueDeptCode: dept,
				IssueDate: from, ValidFrom: from, Surfaces: []models.Surface{{Name: "姓名", ValueType: models.ValueString, Value: "张三"}}},
			Holder: models.Holder{Code: check(t, "51010719880312451", ident.CitizenIDCheck), TypeCode: models.HolderTypeCitizenID, Name: "张三"},
			Dept:   models.Department{Code: dept, Name: "厅"},
		}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("a good certificate: %v", err)
	}
	before := models.Date{Year: 2019, Month: 1, Day: 1}
	for field, spoil := range map[string]func(c *Certificate){
		"certificateHolderCode": func(c *Certificate) { c.Holder.Code = "510107198803124510" },
		"issueDeptCode": func(c *Certificate) {
			c.Dept.Code, c.Certificate.IssueDeptCode = "11510000MB00000010", "11510000MB00000010"
		},
		"certificateID":          func(c *Certificate) { c.Certificate.TypeCode = "11100000000013338W002" },
		"certificateValidateEnd": func(c *Certificate) { c.Certificate.ValidUntil = &before },
		"Surface[0].valueType":   func(c *Certificate) { c.Certificate.Surfaces[0].ValueType = "video" },
		"certificateName":        func(c *Certificate) { c.Certificate.Name = " " },
	} {
		c := good()
		spoil(c)
		if got := models.ErrorField(c.Validate()); got != field {
			t.Errorf("spoiling %s: the error names %q", field, got)
		}
	}
	other := good()
	other.Holder = models.Holder{Code: "E 123", TypeCode: "414", Name: "X"}
	if models.ErrorField(other.Validate()) != "certificateHolderCode" {
		t.Error("a passport number with white space was accepted")
	}
}
