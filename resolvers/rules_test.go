package resolvers

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/ident"
	"certgraph/internal/issuing"
	"certgraph/internal/keys"
	"certgraph/internal/reqinfo"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

// rulesEnv is a resolver root over a fresh SQLite store, with no server.
type rulesEnv struct {
	r   *Resolver
	db  *store.DB
	now time.Time
}

func newRulesEnv(t *testing.T) *rulesEnv {
	t.Helper()
	db := storetest.SQLite(t)
	c, err := cache.New(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	trust, err := keys.Load(t.TempDir(), 10*time.Minute, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	r, err := New(Deps{Store: db, Writer: issuing.NewWriter(db, c, trust, "四川省", nil), Cache: c, Keys: trust},
		slog.New(slog.NewTextHandler(io.Discard, nil)), Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return &rulesEnv{r: r, db: db, now: now}
}

// account stores an account with roles and returns its token.
func (e *rulesEnv) account(t *testing.T, id string, status models.AccountStatus, expires time.Time, roles ...models.Role) string {
	t.Helper()
	tok := NewToken()
	a := models.Account{ID: id, SystemName: id, SystemIP: "127.0.0.1", DeptCode: "11510000MB0000001R", DeptName: "d", Status: status,
		TokenHash: HashToken(tok), TokenExpiresAt: expires, CreatedAt: e.now}
	a.SetRoles(roles)
	if err := e.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	return tok
}

// as is a request context presenting token (and accountID when not "").
func (e *rulesEnv) as(token, accountID string) context.Context {
	return e.r.WithRequest(context.Background(), reqinfo.RequestInfo{Credentials: reqinfo.Credentials{Token: token, AccountID: accountID}, Channel: models.ChannelGraphQL})
}

func TestAuthenticationRules(t *testing.T) {
	e := newRulesEnv(t)
	later := e.now.Add(time.Hour)
	ok := e.account(t, "A-ok", models.AccountApproved, later, models.RoleConsumer)
	pending := e.account(t, "A-pending", models.AccountPending, later, models.RoleConsumer)
	revoked := e.account(t, "A-revoked", models.AccountRevoked, later, models.RoleConsumer)
	expired := e.account(t, "A-expired", models.AccountApproved, e.now, models.RoleConsumer)
	for _, tc := range []struct {
		name, token, accountID, want string
	}{
		{"approved", ok, "", ""},
		{"approved, matching account id", ok, "A-ok", ""},
		{"no token", "", "", models.EUNAUTHENTICATED},
		{"unknown token", "nope", "", models.EUNAUTHENTICATED},
		{"pending", pending, "", models.EUNAUTHENTICATED},
		{"revoked", revoked, "", models.EUNAUTHENTICATED},
		{"expired (expiry is exclusive)", expired, "", models.EUNAUTHENTICATED},
		{"account id of another account", ok, "A-pending", models.EUNAUTHENTICATED},
	} {
		_, err := e.r.caller(e.as(tc.token, tc.accountID))
		if got := models.ErrorCode(err); got != tc.want {
			t.Errorf("%s: %q (%v), want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := e.r.caller(context.Background()); models.ErrorCode(err) != models.EINTERNAL {
		t.Errorf("no request state: %v", err)
	}
	ctx := e.as(ok, "")
	if _, err := e.r.require(ctx, models.RoleAdmin); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Errorf("consumer requiring ADMIN: %v", err)
	}
	if _, err := e.r.require(ctx, readers...); err != nil {
		t.Errorf("consumer reading: %v", err)
	}
}

func TestMaskingRules(t *testing.T) {
	e := newRulesEnv(t)
	later := e.now.Add(time.Hour)
	analyst := e.account(t, "A-analyst", models.AccountApproved, later, models.RoleAnalyst)
	both := e.account(t, "A-both", models.AccountApproved, later, models.RoleAnalyst, models.RoleConsumer)
	person := &models.Holder{Code: "510107198803124514", TypeCode: models.HolderTypeCitizenID, Name: "张三丰"}
	org := &models.Holder{Code: "91510100MA61R8XG2J", TypeCode: models.HolderTypeCreditCode, Name: "某某公司"}
	h := &holderResolver{e.r}
	for _, tc := range []struct {
		name     string
		token    string
		holder   *models.Holder
		wantCode string
		wantName string
	}{
		{"analyst sees a person masked", analyst, person, ident.MaskCode(person.Code), ident.MaskName(person.Name)},
		{"analyst sees an organisation whole", analyst, org, org.Code, org.Name},
		{"analyst who is also a consumer sees a person whole", both, person, person.Code, person.Name},
	} {
		ctx := e.as(tc.token, "")
		code, err1 := h.Code(ctx, tc.holder)
		name, err2 := h.Name(ctx, tc.holder)
		if err1 != nil || err2 != nil || code != tc.wantCode || name != tc.wantName {
			t.Errorf("%s: %q %q (%v %v), want %q %q", tc.name, code, name, err1, err2, tc.wantCode, tc.wantName)
		}
	}
	if ident.MaskCode(person.Code) == person.Code {
		t.Fatal("MaskCode masks nothing: the test above proves nothing")
	}
	c := &models.Certificate{ID: "x", UseFor: models.UseVerification}
	if _, err := (&certificateResolver{e.r}).Surfaces(e.as(analyst, ""), c); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Errorf("analyst reading surfaces: %v", err)
	}
}

func TestUseForRules(t *testing.T) {
	e := newRulesEnv(t)
	tok := e.account(t, "A-c", models.AccountApproved, e.now.Add(time.Hour), models.RoleConsumer)
	ctx := e.as(tok, "")
	acc, err := e.r.caller(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := "1.2.156.3005.2.11100000000013338W001.11510000MB0000001K.0000000000000001.001.Q"
	for _, u := range []models.UseFor{"", "00", "abc"} {
		if _, err := e.r.certificateForRead(ctx, acc, "certificate", id, u); models.ErrorField(err) != "useFor" {
			t.Errorf("useFor %q: %v", u, err)
		}
		if _, err := e.r.holderCertificates(ctx, acc, "certificates", "510107198803124514", nil, nil, nil, u); models.ErrorField(err) != "useFor" {
			t.Errorf("holderCertificates with useFor %q: %v", u, err)
		}
	}
	// A valid reason reads (nothing here) and is audited with that reason.
	if _, err := e.r.holderCertificates(ctx, acc, "certificates", "510107198803124514", nil, nil, nil, models.UseShow); err != nil {
		t.Fatal(err)
	}
	recs, err := e.db.AccessRecords(context.Background(), store.AccessRecordFilter{AccountID: "A-c"}, 0, 10)
	if err != nil || len(recs) != 1 || recs[0].UseFor != models.UseShow || recs[0].Subject != "510107198803124514" {
		t.Fatalf("audit of the read: %+v %v", recs, err)
	}
}

// Links point at the configured public URL, or at the request's host only
// when it is allowed.
func TestBaseURLRules(t *testing.T) {
	e := newRulesEnv(t)
	e.r.cfg.AllowedHosts = []string{"localhost", "zz.example.gov.cn", "::1"}
	for base, want := range map[string]string{
		"http://zz.example.gov.cn:8080": "http://zz.example.gov.cn:8080",
		"https://ZZ.example.gov.cn":     "https://ZZ.example.gov.cn",
		"http://[::1]:8080":             "http://[::1]:8080",
		"http://evil.example.com":       "",
		"http://zz.example.gov.cn.evil": "",
	} {
		ctx := e.r.WithRequest(context.Background(), reqinfo.RequestInfo{BaseURL: base})
		got, err := e.r.baseURL(ctx)
		if want == "" && (err == nil || models.ErrorField(err) != "Host") {
			t.Errorf("%s: %q, %v; want refused naming Host", base, got, err)
		}
		if want != "" && (err != nil || got != want) {
			t.Errorf("%s: %q, %v; want %q", base, got, err, want)
		}
	}
	e.r.cfg.PublicURL = "https://public.example.gov.cn/"
	if got, err := e.r.baseURL(e.r.WithRequest(context.Background(), reqinfo.RequestInfo{BaseURL: "http://evil.example.com"})); err != nil || got != "https://public.example.gov.cn" {
		t.Errorf("public URL: %q, %v", got, err)
	}
}

// Without a holder type, the kind of a code is whichever validates.
func TestHolderCodeKindRules(t *testing.T) {
	e := newRulesEnv(t)
	ctx := e.as(e.account(t, "A-c", models.AccountApproved, e.now.Add(time.Hour), models.RoleConsumer), "")
	person, _ := ident.CitizenIDCheck("51010419900101123")
	for code, field := range map[string]string{
		"51010419900101123" + string(person): "",
		"915101075406503890":                 "", // an all-digit 统一社会信用代码
		"510104199001011239":                 "holderCode",
		"91510100MA6C8XY31Z":                 "holderCode",
		"AB123":                              "holderType",
	} {
		_, _, err := e.r.checkHolderCode(ctx, "holderCode", "holderType", code, nil)
		if models.ErrorField(err) != field {
			t.Errorf("%s: %v, want field %q", code, err, field)
		}
	}
}
