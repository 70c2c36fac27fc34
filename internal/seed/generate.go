package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"certgraph/internal/ident"
	"certgraph/internal/store"
	"certgraph/models"
)

// generator turns (seed, holder index) into holders and certificates. It is
// used sequentially: holder codes are deduplicated against everything it
// has produced so far, which makes the output depend only on the options
// and the number of holders generated (a longer run extends a shorter one).
type generator struct {
	seed     uint64
	tag      string // 3 base-36 characters of the seed, part of every serial
	today    models.Date
	codes    map[string]struct{}
	types    map[string]models.CertificateType // by name
	depts    []deptInfo
	byRole   map[deptRole][]int
	areaCum  []int // cumulative area weights
	holderNo uint64
	certNo   uint64
}

// deptInfo is a department with its computed credit code and seal picture.
type deptInfo struct {
	department
	code string
	seal string
}

// chinaTime is UTC+8, the zone issue times are drawn in.
var chinaTime = time.FixedZone("CST", 8*60*60)

func newGenerator(seed int64, today models.Date) (*generator, error) {
	g := &generator{
		seed:   uint64(seed),
		today:  today,
		codes:  map[string]struct{}{},
		types:  map[string]models.CertificateType{},
		byRole: map[deptRole][]int{},
	}
	const b36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	h := g.seed*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	g.tag = string([]byte{b36[h>>58%36], b36[h>>40%36], b36[h>>20%36]})
	for _, t := range store.CertificateTypes {
		g.types[t.Name] = t
	}
	for _, name := range []string{typeIDCard, typeBusiness, typeDriving, typeProperty, typeMarriage, typeFood, typePassport} {
		if _, ok := g.types[name]; !ok {
			return nil, fmt.Errorf("seed: certificate type %q is not in store.CertificateTypes", name)
		}
	}
	for i, d := range departments {
		code, err := deptCode(d)
		if err != nil {
			return nil, err
		}
		// Seals depend only on the department, never on the seed, so two
		// seeds agree on a department's seal.
		r := rand.New(rand.NewPCG(0x5EA1, uint64(i)))
		g.depts = append(g.depts, deptInfo{department: d, code: code, seal: seal(r)})
		if d.division[:2] == seedRegion {
			// A node's data holds only certificates its own province issued
			// (the national directory refuses anything else); holders may
			// live anywhere.
			g.byRole[d.role] = append(g.byRole[d.role], i)
		}
	}
	sum := 0
	for _, a := range areas {
		sum += a.weight
		g.areaCum = append(g.areaCum, sum)
	}
	return g, nil
}

// idPattern is a SQL LIKE pattern every certificate identifier the
// generator makes matches: its serial is the seed's tag and nine digits,
// its version 001.
func (g *generator) idPattern() string {
	return ident.CertIDRoot + ".%.%." + g.tag + "_________." + certVersion + "._"
}

// certVersion is the version part of every generated identifier.
const certVersion = "001"

// Catalogue names of the types the generator issues.
const (
	typeIDCard   = "居民身份证"
	typeBusiness = "营业执照"
	typeDriving  = "机动车驾驶证"
	typeProperty = "不动产权证书"
	typeMarriage = "结婚证"
	typeFood     = "食品经营许可证"
	typePassport = "普通护照"
)

// deptCode builds a department's 统一社会信用代码: "11" (机关), the division,
// the organisation code (8 characters and its GB 11714 check) and the
// GB 32100 check character.
func deptCode(d department) (string, error) {
	oc, err := orgCode(d.orgBody)
	if err != nil {
		return "", fmt.Errorf("seed: department %s: %w", d.name, err)
	}
	first := "11" + d.division + oc
	c, err := ident.CreditCodeCheck(first)
	if err != nil {
		return "", fmt.Errorf("seed: department %s: %w", d.name, err)
	}
	return first + string(c), nil
}

// orgCode appends the GB 11714 check character to an 8-character
// organisation-code body: C = 11 − Σ vᵢwᵢ mod 11, 10 → X, 11 → 0.
func orgCode(body string) (string, error) {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	if len(body) != 8 {
		return "", fmt.Errorf("organisation code body %q: want 8 characters", body)
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return "", fmt.Errorf("organisation code body %q: character %q is not 0-9 or A-Z", body, c)
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return body + "X", nil
	case 11:
		return body + "0", nil
	default:
		return body + string(rune('0'+c)), nil
	}
}

// draft is one generated holder with its certificates (surfaces included,
// HolderID still unset).
type draft struct {
	holder models.Holder
	certs  []models.Certificate
}

// person is what the generator knows about a natural person beyond the
// Holder row: everything certificates show about them.
type person struct {
	name, code, gender, nation, address string
	birth                               models.Date
	area                                area
	photo                               string
}

// organisation is a generated company.
type organisation struct {
	name, code, legalRep, address, kind, scope, capital string
	founded                                             models.Date
	area                                                area
	foodish                                             bool
}

// next generates the next holder and up to max certificates for it.
func (g *generator) next(max int) draft {
	idx := g.holderNo
	g.holderNo++
	r := rand.New(rand.NewPCG(g.seed, idx^0xC3A5C85C97CB3127))
	if r.IntN(100) < 85 || idx%1000 == 7 {
		return g.nextPerson(r, idx, max)
	}
	return g.nextOrganisation(r, max)
}

func (g *generator) pickArea(r *rand.Rand) area {
	n := r.IntN(g.areaCum[len(g.areaCum)-1])
	for i, c := range g.areaCum {
		if n < c {
			return areas[i]
		}
	}
	return areas[0]
}

// pickName returns a surname and given name; idx%1000 == 7 always gets the
// Extension B character 𠈌, so every run of a thousand holders has one.
func pickName(r *rand.Rand, male bool, forceRare bool) string {
	// Squaring the draw favours the common surnames at the front of the list.
	f := r.Float64()
	s := surnames[int(f*f*float64(len(surnames)))]
	pool := femaleGiven
	if male {
		pool = maleGiven
	}
	var b strings.Builder
	b.WriteString(s)
	n := 1 + r.IntN(2)
	if forceRare {
		b.WriteString(rareGiven[0])
		n = 1
	} else if r.IntN(200) == 0 {
		b.WriteString(rareGiven[r.IntN(len(rareGiven))])
		n--
	}
	for range n {
		b.WriteRune(pool[r.IntN(len(pool))])
	}
	return b.String()
}

func randDate(r *rand.Rand, from, to models.Date) models.Date {
	days := int(to.Time().Sub(from.Time()).Hours() / 24)
	if days <= 0 {
		return from
	}
	return from.AddDays(r.IntN(days + 1))
}

func (g *generator) nextPerson(r *rand.Rand, idx uint64, max int) draft {
	p := person{area: g.pickArea(r)}
	// Birth dates are absolute (not relative to Today) so that a holder's
	// code is the same whichever day the seed runs.
	p.birth = randDate(r, models.Date{Year: 1950, Month: 1, Day: 1}, models.Date{Year: 2006, Month: 12, Day: 31})
	male := r.IntN(2) == 0
	for {
		seq := r.IntN(100)
		g17 := r.IntN(5) * 2 // even: female
		if male {
			g17++
		}
		first := fmt.Sprintf("%s%04d%02d%02d%02d%d", p.area.code, p.birth.Year, int(p.birth.Month), p.birth.Day, seq, g17)
		c, _ := ident.CitizenIDCheck(first) // 17 digits by construction
		p.code = first + string(c)
		if _, dup := g.codes[p.code]; !dup {
			break
		}
	}
	g.codes[p.code] = struct{}{}
	p.gender = "女"
	if male {
		p.gender = "男"
	}
	p.name = pickName(r, male, idx%1000 == 7)
	if r.IntN(100) < 90 {
		p.nation = nations[0]
	} else {
		p.nation = nations[1+r.IntN(len(nations)-1)]
	}
	p.address = address(r, p.area)
	p.photo = portrait(r)

	d := draft{holder: models.Holder{Code: p.code, TypeCode: models.HolderTypeCitizenID, Name: p.name, Province: p.code[:2]}}
	sichuan := p.area.code[:2] == "51"
	adult := p.birth.Year <= g.today.Year-18
	kinds := []string{typeIDCard}
	if sichuan && adult && r.IntN(100) < 50 {
		kinds = append(kinds, typeDriving)
	}
	if sichuan && adult && r.IntN(100) < 12 {
		kinds = append(kinds, typeProperty)
	}
	if sichuan && adult && r.IntN(100) < 15 {
		kinds = append(kinds, typeMarriage)
	}
	if !sichuan && r.IntN(100) < 40 {
		kinds = append(kinds, typePassport)
	}
	lb := p.birth.AddDays(16 * 365)
	for _, k := range kinds {
		if len(d.certs) >= max {
			break
		}
		d.certs = append(d.certs, g.personCert(r, k, &p, lb))
	}
	d.holder.CreatedAt, d.holder.UpdatedAt = earliest(d.certs), earliest(d.certs)
	return d
}

func (g *generator) nextOrganisation(r *rand.Rand, max int) draft {
	o := organisation{area: g.pickArea(r)}
	for o.area.code[:2] != "51" && r.IntN(3) > 0 {
		o.area = g.pickArea(r) // companies here are even more Sichuan-heavy than people
	}
	for {
		body := make([]byte, 8)
		for i := range body {
			if i < 2 || r.IntN(4) > 0 {
				body[i] = '0' + byte(r.IntN(10))
			} else {
				body[i] = "ABCDEFGHJKLMNPQRTUWXY"[r.IntN(21)]
			}
		}
		oc, _ := orgCode(string(body)) // alphabet-only body by construction
		first := "91" + o.area.code + oc
		c, _ := ident.CreditCodeCheck(first)
		o.code = first + string(c)
		if _, dup := g.codes[o.code]; !dup {
			break
		}
	}
	g.codes[o.code] = struct{}{}
	ind := industries[r.IntN(len(industries))]
	city := strings.TrimSuffix(strings.TrimSuffix(o.area.city, "市"), "彝族自治州")
	if r.IntN(5) == 0 {
		city = strings.TrimSuffix(strings.TrimSuffix(o.area.province, "省"), "市")
	}
	o.name = city + tradeNames[r.IntN(len(tradeNames))] + ind.name + companyForms[r.IntN(len(companyForms))]
	o.scope = ind.scope
	o.foodish = strings.Contains(ind.scope, "餐饮") || strings.Contains(ind.scope, "食品")
	o.kind = companyTypes[r.IntN(len(companyTypes))]
	if strings.HasSuffix(o.name, "股份有限公司") {
		o.kind = companyTypes[3]
	}
	o.legalRep = pickName(r, r.IntN(2) == 0, false)
	o.address = address(r, o.area)
	o.capital = fmt.Sprintf("%d万元人民币", []int{10, 50, 100, 200, 300, 500, 1000, 2000, 5000}[r.IntN(9)])
	o.founded = randDate(r, models.Date{Year: 1998, Month: 1, Day: 1}, models.Date{Year: 2024, Month: 6, Day: 30})

	d := draft{holder: models.Holder{Code: o.code, TypeCode: models.HolderTypeCreditCode, Name: o.name, Province: o.code[2:4]}}
	kinds := []string{typeBusiness}
	if (o.foodish && r.IntN(100) < 70) || r.IntN(100) < 8 {
		kinds = append(kinds, typeFood)
	}
	for _, k := range kinds {
		if len(d.certs) >= max {
			break
		}
		d.certs = append(d.certs, g.orgCert(r, k, &o))
	}
	d.holder.CreatedAt, d.holder.UpdatedAt = earliest(d.certs), earliest(d.certs)
	return d
}

func earliest(cs []models.Certificate) time.Time {
	var t time.Time
	for _, c := range cs {
		if t.IsZero() || c.CreatedAt.Before(t) {
			t = c.CreatedAt
		}
	}
	return t
}

func address(r *rand.Rand, a area) string {
	prov := a.province
	if prov == a.city { // 北京市北京市… reads wrong: municipalities name the city once
		prov = ""
	}
	s := fmt.Sprintf("%s%s%s%s%d号", prov, a.city, a.district, streets[r.IntN(len(streets))], 1+r.IntN(300))
	if r.IntN(2) == 0 {
		s += fmt.Sprintf("%d栋%d单元%d号", 1+r.IntN(30), 1+r.IntN(4), 100*(1+r.IntN(30))+1+r.IntN(8))
	}
	return s
}

// deptFor picks an issuing department of the role, preferring one in the
// holder's own county, then city, then province.
func (g *generator) deptFor(r *rand.Rand, role deptRole, division string) *deptInfo {
	cands := g.byRole[role]
	for _, prefix := range []int{6, 4, 2} {
		var m []int
		for _, i := range cands {
			if g.depts[i].division[:prefix] == division[:prefix] {
				m = append(m, i)
			}
		}
		if len(m) > 0 {
			return &g.depts[m[r.IntN(len(m))]]
		}
	}
	return &g.depts[cands[r.IntN(len(cands))]]
}

// statusClass is the validity situation a certificate is generated in.
type statusClass int

const (
	classValid statusClass = iota
	classExpired
	classLongTerm
	classRevoked
	classNotYet
)

// drawClass picks a certificate's class. Marriage certificates and
// property titles have no end date in reality: they are long-term unless
// revoked. The other types' probabilities are set so that the whole mix is
// about 8% expired, 20% long-term, 2% revoked and 0.5% not yet valid.
func drawClass(r *rand.Rand, naturallyLongTerm bool) statusClass {
	n := r.IntN(1000)
	switch {
	case n < 20:
		return classRevoked
	case naturallyLongTerm:
		return classLongTerm
	case n < 20+92:
		return classExpired
	case n < 20+92+95:
		return classLongTerm
	case n < 20+92+95+6:
		return classNotYet
	}
	return classValid
}

// timing is a certificate's dates.
type timing struct {
	issue, from models.Date
	until       *models.Date
	revokedAt   *time.Time
	class       statusClass
}

// dates draws dates for a certificate of the given class with a validity
// period of years (ignored when long-term), never starting before lb.
func (g *generator) dates(r *rand.Rand, class statusClass, years int, lb models.Date) timing {
	t := timing{class: class}
	today := g.today
	addYears := func(d models.Date, n int) models.Date { return models.DateOf(d.Time().AddDate(n, 0, 0)) }
	clamp := func(d models.Date) models.Date {
		if d.Before(lb) {
			d = lb
		}
		if today.Before(d) {
			d = today
		}
		return d
	}
	if class == classExpired {
		until := today.AddDays(-1 - r.IntN(1500))
		from := addYears(until, -years)
		if from.Before(lb) {
			class = classValid // too young to hold an expired one
		} else {
			t.issue, t.from, t.until = from, from, &until
			t.class = class
		}
	}
	switch class {
	case classNotYet:
		t.issue = today.AddDays(-r.IntN(20))
		t.from = today.AddDays(1 + r.IntN(90))
		u := addYears(t.from, years)
		t.until = &u
	case classLongTerm:
		t.from = clamp(today.AddDays(-r.IntN(15 * 365)))
		t.issue = t.from
	case classRevoked, classValid:
		if years == 0 { // a long-term certificate that was revoked
			t.from = clamp(today.AddDays(-r.IntN(15 * 365)))
			t.issue = t.from
		} else {
			t.from = clamp(today.AddDays(-r.IntN(years*365 - 1)))
			t.issue = t.from
			u := addYears(t.from, years)
			t.until = &u
		}
		if class == classRevoked {
			span := int(today.Time().Sub(t.from.Time()).Hours() / 24)
			at := t.from.Time().Add(time.Duration(r.IntN(span+1)) * 24 * time.Hour).
				Add(time.Duration(9*3600+r.IntN(8*3600)) * time.Second).Add(-8 * time.Hour) // 09–17h CST in UTC
			t.revokedAt = &at
		}
	}
	t.class = class
	return t
}

// newCert fills the parts every certificate has: identifier, type, holder
// link (by draft), issuer, dates, and the audit timestamps.
func (g *generator) newCert(r *rand.Rand, typeName string, number string, dept *deptInfo, t timing) models.Certificate {
	ct := g.types[typeName]
	no := g.certNo
	g.certNo++
	// The serial is the seed's tag and a run-wide sequence number: unique
	// within a run, distinct between seeds, stable per seed. Increasing
	// serials keep inserts into the (string) primary key near the end of
	// each issuer's range, which keeps bulk loads fast on InnoDB.
	serial := fmt.Sprintf("%s%09d", g.tag, no)
	id, err := ident.NewCertID(ct.Code, dept.code, serial, certVersion)
	if err != nil {
		panic("seed: certificate id: " + err.Error()) // parts are valid by construction
	}
	created := time.Date(t.issue.Year, t.issue.Month, t.issue.Day, 9, 0, 0, 0, chinaTime).
		Add(time.Duration(r.IntN(8*3600)) * time.Second).UTC()
	c := models.Certificate{
		ID: id.String(), TypeCode: ct.Code, Name: ct.Name, Number: number,
		IssueDeptCode: dept.code, IssueDate: t.issue, ValidFrom: t.from, ValidUntil: t.until,
		CreatedAt: created, UpdatedAt: created,
	}
	if t.revokedAt != nil {
		c.RevokedAt = t.revokedAt
		reasons := revokeReasons[ct.Name]
		c.RevokeReason = reasons[r.IntN(len(reasons))]
		c.UpdatedAt = *t.revokedAt
	}
	return c
}

// surfaces fills the type's template from values by name; every template
// field must have a value, so a template change shows up as a panic in tests.
func (g *generator) surfaces(c *models.Certificate, typeName string, values map[string]string) {
	tpl := g.types[typeName].SurfaceTemplate
	c.Surfaces = make([]models.Surface, len(tpl))
	for i, f := range tpl {
		v, ok := values[f.Name]
		if !ok {
			panic(fmt.Sprintf("seed: no value for surface %q of %s", f.Name, typeName))
		}
		c.Surfaces[i] = models.Surface{CertificateID: c.ID, Position: i, Name: f.Name, ColumnName: f.ColumnName, ValueType: f.ValueType, Value: v}
	}
}

func (g *generator) personCert(r *rand.Rand, kind string, p *person, lb models.Date) models.Certificate {
	var c models.Certificate
	switch kind {
	case typeIDCard:
		dept := g.deptFor(r, rolePolice, p.area.code)
		age := g.today.Year - p.birth.Year
		// GB: cards issued at 16–25 are valid 10 years, at 26–45 20 years.
		// An expired card was issued years ago, at a younger age.
		class := drawClass(r, false)
		years := 10
		if age > 25 && (class != classExpired || age >= 48) {
			years = 20
		}
		c = g.newCert(r, kind, p.code, dept, g.dates(r, class, years, lb))
		g.surfaces(&c, kind, map[string]string{
			"姓名": p.name, "性别": p.gender, "民族": p.nation, "出生": p.birth.Spec(), "住址": p.address,
			"公民身份号码": p.code, "签发机关": dept.name, "照片": p.photo,
		})
	case typeDriving:
		dept := g.deptFor(r, roleTraffic, p.area.code)
		lb18 := p.birth.AddDays(18*365 + 5)
		t := g.dates(r, drawClass(r, false), []int{6, 10}[r.IntN(2)], lb18)
		first := randDate(r, lb18, t.from)
		if t.from.Before(first) {
			first = t.from
		}
		c = g.newCert(r, kind, p.code, dept, t)
		g.surfaces(&c, kind, map[string]string{
			"姓名": p.name, "性别": p.gender, "国籍": "中国", "住址": p.address, "出生日期": p.birth.Spec(),
			"初次领证日期": first.Spec(), "准驾车型": []string{"C1", "C1", "C1", "C2", "C1E", "B2", "A2", "D"}[r.IntN(8)], "照片": p.photo,
		})
	case typeProperty:
		dept := g.deptFor(r, roleLand, p.area.code)
		t := g.dates(r, drawClass(r, true), 0, p.birth.AddDays(20*365))
		city := strings.TrimSuffix(strings.TrimSuffix(p.area.city, "市"), "彝族自治州")
		number := fmt.Sprintf("川(%d)%s市不动产权第%07d号", t.issue.Year, city, r.IntN(10_000_000))
		c = g.newCert(r, kind, number, dept, t)
		landFrom := randDate(r, models.Date{Year: 1995, Month: 1, Day: 1}, t.from)
		landTo := models.DateOf(landFrom.Time().AddDate(70, 0, -1))
		g.surfaces(&c, kind, map[string]string{
			"权利人": p.name, "共有情况": []string{"单独所有", "共同共有", "按份共有"}[r.IntN(3)],
			"坐落":     fmt.Sprintf("%s%s%s%d号%d栋%d单元%d层%d号", p.area.city, p.area.district, streets[r.IntN(len(streets))], 1+r.IntN(300), 1+r.IntN(20), 1+r.IntN(4), 1+r.IntN(32), 1+r.IntN(8)),
			"不动产单元号": fmt.Sprintf("%s%03d%03dGB%05dF%08d", p.area.code, 1+r.IntN(20), 1+r.IntN(30), r.IntN(100000), r.IntN(100000000)),
			"权利类型":   "国有建设用地使用权/房屋所有权", "权利性质": "出让/市场化商品房", "用途": "城镇住宅用地/住宅",
			"面积":   fmt.Sprintf("共有宗地面积：%.2f㎡/房屋建筑面积：%.2f㎡", 5000+r.Float64()*60000, 45+r.Float64()*140),
			"使用期限": fmt.Sprintf("国有建设用地使用权 %s起%s止", landFrom.Spec(), landTo.Spec()),
		})
	case typeMarriage:
		dept := g.deptFor(r, roleCivil, p.area.code)
		t := g.dates(r, drawClass(r, true), 0, p.birth.AddDays(22*365))
		number := fmt.Sprintf("J%s-%d-%06d", dept.division, t.issue.Year, 1+r.IntN(20000))
		c = g.newCert(r, kind, number, dept, t)
		male := p.gender == "男"
		spouseName, spouseCode := spouse(r, p, !male)
		husband, wife, hCode, wCode := p.name, spouseName, p.code, spouseCode
		if !male {
			husband, wife, hCode, wCode = spouseName, p.name, spouseCode, p.code
		}
		g.surfaces(&c, kind, map[string]string{
			"持证人": p.name, "登记日期": t.issue.Spec(), "结婚证字号": number, "男方姓名": husband, "女方姓名": wife,
			"男方身份证件号": hCode, "女方身份证件号": wCode, "合影": couple(r),
		})
	case typePassport:
		dept := g.deptFor(r, roleEmigrant, p.area.code)
		years := 10
		if g.today.Year-p.birth.Year < 16 {
			years = 5
		}
		number := fmt.Sprintf("E%08d", r.IntN(100_000_000))
		if r.IntN(2) == 0 {
			number = fmt.Sprintf("E%c%07d", 'A'+rune(r.IntN(8)), r.IntN(10_000_000))
		}
		c = g.newCert(r, kind, number, dept, g.dates(r, drawClass(r, false), years, p.birth))
		g.surfaces(&c, kind, map[string]string{
			"姓名": p.name, "性别": p.gender, "出生日期": p.birth.Spec(),
			"出生地点": strings.TrimSuffix(strings.TrimSuffix(p.area.province, "省"), "市"), "护照号": number, "照片": p.photo,
		})
	default:
		panic("seed: no person certificate " + kind)
	}
	return c
}

// spouse invents the other party of a marriage: a name and a valid citizen
// ID from the same province, born within a few years of p.
func spouse(r *rand.Rand, p *person, male bool) (string, string) {
	birth := p.birth.AddDays(r.IntN(6*365) - 3*365)
	a := areas[r.IntN(len(areas))]
	for a.code[:2] != p.area.code[:2] {
		a = areas[r.IntN(len(areas))]
	}
	g17 := r.IntN(5) * 2
	if male {
		g17++
	}
	first := fmt.Sprintf("%s%04d%02d%02d%02d%d", a.code, birth.Year, int(birth.Month), birth.Day, r.IntN(100), g17)
	c, _ := ident.CitizenIDCheck(first)
	return pickName(r, male, false), first + string(c)
}

func (g *generator) orgCert(r *rand.Rand, kind string, o *organisation) models.Certificate {
	var c models.Certificate
	switch kind {
	case typeBusiness:
		dept := g.deptFor(r, roleMarket, o.area.code)
		c = g.newCert(r, kind, o.code, dept, g.dates(r, drawClass(r, false), []int{20, 30}[r.IntN(2)], o.founded))
		g.surfaces(&c, kind, map[string]string{
			"统一社会信用代码": o.code, "名称": o.name, "类型": o.kind, "法定代表人": o.legalRep, "注册资本": o.capital,
			"成立日期": o.founded.Spec(), "住所": o.address, "经营范围": o.scope, "登记机关印章": dept.seal,
		})
	case typeFood:
		dept := g.deptFor(r, roleMarket, o.area.code)
		t := g.dates(r, drawClass(r, false), 5, o.founded)
		kindDigit := 1 + r.IntN(3)
		body := fmt.Sprintf("%d%s%06d", kindDigit, o.area.code, r.IntN(1_000_000))
		number := "JY" + body + string(rune('0'+luhnLike(body)))
		c = g.newCert(r, kind, number, dept, t)
		yt := []string{"食品销售经营者（便利店）", "餐饮服务经营者（小型餐馆）", "餐饮服务经营者（中型餐馆）", "单位食堂（职工食堂）"}[kindDigit]
		g.surfaces(&c, kind, map[string]string{
			"经营者名称": o.name, "社会信用代码": o.code, "法定代表人": o.legalRep, "住所": o.address, "经营场所": o.address,
			"主体业态": yt, "经营项目": "预包装食品（含冷藏冷冻食品）销售；热食类食品制售", "许可证编号": number,
		})
	default:
		panic("seed: no organisation certificate " + kind)
	}
	return c
}

// luhnLike is the trailing check digit of a food business licence number:
// the Luhn digit over its 13 digits.
func luhnLike(digits string) int {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}
