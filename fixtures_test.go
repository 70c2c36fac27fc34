package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"certgraph/internal/ident"
	"certgraph/models"
)

// Fixed, checksum-valid codes used across tests.
var (
	// personCode is a 公民身份号码 from 成都 (510104).
	personCode = citizenID("51010419900101123")
	// otherPersonCode is from 北京 (110105).
	otherPersonCode = citizenID("11010519491231002")
	// orgCode is a 统一社会信用代码 registered in 成都.
	orgCode = creditCode("91510100MA6C8XY31")
	// deptCode is a Sichuan issuing department (四川省公安厅, made up code).
	deptCode = creditCode("11510000MB0000001")
	// beijingDeptCode is an issuing department in 北京.
	beijingDeptCode = creditCode("11110000MB0000002")
)

func citizenID(first17 string) string {
	c, err := ident.CitizenIDCheck(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

func creditCode(first17 string) string {
	c, err := ident.CreditCodeCheck(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

func (e *testEnv) addDept(code, name string) models.Department {
	e.t.Helper()
	d := models.Department{Code: code, Name: name, Province: ident.Province(code)}
	if err := e.app.store.Gorm().Save(&d).Error; err != nil {
		e.t.Fatal(err)
	}
	// Written behind the store's back (like another process would): drop
	// the in-memory catalogues so the next read sees it now.
	e.app.store.InvalidateCatalogues()
	return d
}

func (e *testEnv) addHolder(code, typ, name string) models.Holder {
	e.t.Helper()
	h := models.Holder{Code: code, TypeCode: typ, Name: name, Province: ident.Province(code)}
	if err := e.app.store.Gorm().Create(&h).Error; err != nil {
		e.t.Fatal(err)
	}
	return h
}

// certSpec describes a certificate to store for a test.
type certSpec struct {
	TypeCode   string
	Dept       string
	Serial     string
	Number     string
	IssueDate  models.Date
	ValidUntil *models.Date
	Revoked    bool
	Surfaces   int
}

func (e *testEnv) addCert(h models.Holder, s certSpec) models.Certificate {
	e.t.Helper()
	if s.TypeCode == "" {
		s.TypeCode = "11100000000013338W001"
	}
	if s.Dept == "" {
		s.Dept = deptCode
	}
	if s.IssueDate.IsZero() {
		s.IssueDate = models.DateOf(time.Now()).AddDays(-100)
	}
	id, err := ident.NewCertID(s.TypeCode, s.Dept, s.Serial, "001")
	if err != nil {
		e.t.Fatal(err)
	}
	if s.Number == "" {
		s.Number = "NO" + s.Serial
	}
	c := models.Certificate{ID: id.String(), TypeCode: s.TypeCode, Name: "测试证照", Number: s.Number, HolderID: h.ID,
		IssueDeptCode: s.Dept, IssueDate: s.IssueDate, ValidFrom: s.IssueDate, ValidUntil: s.ValidUntil}
	if s.Revoked {
		now := time.Now().UTC()
		c.RevokedAt, c.RevokeReason = &now, "测试注销"
	}
	for i := 0; i < s.Surfaces; i++ {
		vt := models.ValueString
		if i == s.Surfaces-1 && s.Surfaces > 2 {
			vt = models.ValuePicture
		}
		c.Surfaces = append(c.Surfaces, models.Surface{Position: i, Name: fmt.Sprintf("项目%d", i), ColumnName: fmt.Sprintf("xm%d", i), ValueType: vt, Value: fmt.Sprintf("值%d", i)})
	}
	if err := e.app.store.InsertCertificate(context.Background(), &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func datePtr(d models.Date) *models.Date { return &d }

// standardFixture stores a Sichuan department, a person with n certificates
// of m surfaces each, and an organisation with one certificate.
func (e *testEnv) standardFixture(n, m int) (person models.Holder, certs []models.Certificate) {
	e.t.Helper()
	e.addDept(deptCode, "四川省公安厅")
	person = e.addHolder(personCode, "111", "张𠈌")
	for i := 0; i < n; i++ {
		certs = append(certs, e.addCert(person, certSpec{Serial: fmt.Sprintf("2024%04d", i), Surfaces: m,
			IssueDate: models.DateOf(time.Now()).AddDays(-100 - i)}))
	}
	org := e.addHolder(orgCode, "001", "成都测试科技有限公司")
	e.addCert(org, certSpec{TypeCode: "11100000000013338W011", Serial: "90001", Surfaces: 3})
	var _ testing.TB
	return person, certs
}
