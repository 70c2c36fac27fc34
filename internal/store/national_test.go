package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/gmcrypto"
	"certgraph/internal/ident"
	"certgraph/internal/national"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

// eachDB runs f on a fresh SQLite database and, when configured, a fresh
// MariaDB/MySQL one.
func eachDB(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { f(t, storetest.MySQL(t)) })
}

const typeCode = "11100000000013338W032"

func certID(t testing.TB, region string, serial int) string {
	t.Helper()
	first17 := "11" + region + "0000000000000"
	c, err := ident.CreditCodeCheck(first17)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ident.NewCertID(typeCode, first17+string(c), fmt.Sprint(serial), "001")
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func newBox(t *testing.T) *gmcrypto.SecretBox {
	b, err := gmcrypto.LoadOrCreateSecretBox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const pemA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
const pemB = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"

func reg(url, keyID, pem string) store.NodeRegistration {
	return store.NodeRegistration{Region: "50", AccountID: "acc50", URL: url, KeyID: keyID, CertificatePEM: pem, CallAccountID: "hubAt50", CallToken: "secret-token-50"}
}

func TestNodeRegistry(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box := newBox(t)
		if _, err := db.RegisterNode(ctx, box, reg("http://127.0.0.1:8050", "k1", pemA)); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Fatalf("registration before admission: %v", err)
		}
		if err := db.AdmitNode(ctx, "50", "acc50"); err != nil {
			t.Fatal(err)
		}
		if err := db.AdmitNode(ctx, "52", "acc50"); models.ErrorCode(err) != models.ECONFLICT {
			t.Fatalf("one account bound to two regions: %v", err)
		}
		if err := db.AdmitNode(ctx, "00", "x"); models.ErrorCode(err) != models.EINVALID {
			t.Fatalf("admitting the hub's region: %v", err)
		}
		if r, _ := db.NodeRegion(ctx, "acc50"); r != "50" {
			t.Fatalf("NodeRegion = %q", r)
		}
		if r, _ := db.NodeRegion(ctx, "nobody"); r != "" {
			t.Fatalf("NodeRegion(nobody) = %q", r)
		}
		if rs, _ := db.RegisteredRegions(ctx); len(rs) != 0 {
			t.Fatalf("a node without a URL counts as registered: %v", rs)
		}
		other := reg("http://127.0.0.1:8050", "k1", pemA)
		other.AccountID = "intruder"
		if _, err := db.RegisterNode(ctx, box, other); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Fatalf("another account registering region 50: %v", err)
		}
		if _, err := db.RegisterNode(ctx, box, reg("http://127.0.0.1:8050", "k1", pemA)); err != nil {
			t.Fatal(err)
		}
		// Again at the next start: same URL and key, fine. A new key is added.
		if _, err := db.RegisterNode(ctx, box, reg("http://127.0.0.1:8050/", "k1", pemA)); models.ErrorCode(err) != models.ECONFLICT {
			t.Fatalf("a different URL spelling moved the node: %v", err)
		}
		if _, err := db.RegisterNode(ctx, box, reg("http://127.0.0.1:8050", "k2", pemB)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RegisterNode(ctx, box, reg("http://127.0.0.1:8050", "k1", pemB)); models.ErrorCode(err) != models.EINVALID {
			t.Fatalf("key id reused for another certificate: %v", err)
		}
		if _, err := db.RegisterNode(ctx, box, reg("https://elsewhere.example", "k2", pemB)); models.ErrorCode(err) != models.ECONFLICT {
			t.Fatalf("URL change without the admin: %v", err)
		}
		for field, r := range map[string]store.NodeRegistration{
			"url":                   reg("http://10.0.0.1:8050", "k2", pemB), // not loopback → https
			"signingCertificatePem": reg("http://127.0.0.1:8050", "k3", "not pem"),
		} {
			if _, err := db.RegisterNode(ctx, box, r); models.ErrorField(err) != field {
				t.Errorf("want an error on %s, got %v", field, err)
			}
		}
		tgt, err := db.NodeTarget(ctx, box, "50")
		if err != nil || tgt.URL != "http://127.0.0.1:8050" || tgt.Token != "secret-token-50" || tgt.AccountID != "hubAt50" {
			t.Fatalf("NodeTarget = %+v, %v", tgt, err)
		}
		var raw store.NationalNode
		db.Gorm().First(&raw, "region = ?", "50")
		if strings.Contains(string(raw.CallTokenSealed), "secret-token-50") {
			t.Fatal("the node's token is stored in clear")
		}
		if _, err := db.NodeTarget(ctx, newBox(t), "50"); err == nil {
			t.Fatal("another key opened the stored token")
		}
		if _, err := db.NodeTarget(ctx, box, "44"); models.ErrorCode(err) != models.ENOTFOUND {
			t.Fatalf("unregistered region: %v", err)
		}
		// The admin admits it again: now the URL may move.
		if err := db.AdmitNode(ctx, "50", "acc50"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RegisterNode(ctx, box, reg("https://elsewhere.example", "k2", pemB)); err != nil {
			t.Fatalf("URL change after admitNode: %v", err)
		}
		k, err := db.NodeKey(ctx, "50", "")
		if err != nil || k.KeyID != "k2" {
			t.Fatalf("current key = %+v, %v", k, err)
		}
		if k, err := db.NodeKey(ctx, "50", "k1"); err != nil || k.CertificatePEM != pemA {
			t.Fatalf("old key = %+v, %v", k, err)
		}
		if _, err := db.NodeKey(ctx, "50", "k9"); models.ErrorCode(err) != models.ENOTFOUND {
			t.Fatalf("unknown key: %v", err)
		}
		if _, err := db.PublishDirectory(ctx, "50", []national.Entry{entry(t, "50", 1, 1)}); err != nil {
			t.Fatal(err)
		}
		ns, err := db.ListNodes(ctx)
		if err != nil || len(ns) != 1 || strings.Join(ns[0].KeyIDs, ",") != "k1,k2" || ns[0].DirectorySize != 1 || ns[0].LastSeenAt == nil {
			t.Fatalf("ListNodes = %+v, %v", ns, err)
		}
		if rs, _ := db.RegisteredRegions(ctx); strings.Join(rs, ",") != "50" {
			t.Fatalf("RegisteredRegions = %v", rs)
		}
	})
}

var digester = func() *national.HolderDigester {
	d, _ := national.NewHolderDigester([]byte(strings.Repeat("k", national.HolderKeySize)))
	return d
}()

func entry(t testing.TB, region string, serial int, version int64) national.Entry {
	return national.Entry{ID: certID(t, region, serial), TypeCode: typeCode, HolderType: "111", HolderDigest: digester.Digest("11010519491231002X"),
		IssueDate: "2024-01-02", ValidFrom: "2024-01-02", Version: version}
}

func TestPublishDirectory(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e1, e2 := entry(t, "51", 1, 1), entry(t, "51", 2, 1)
		e2.FileSM3 = strings.Repeat("ab", 32)
		n, err := db.PublishDirectory(ctx, "51", []national.Entry{e1, e2})
		if err != nil || n != 2 {
			t.Fatalf("publish = %d, %v", n, err)
		}
		// Re-sending changes nothing; an older version changes nothing; a newer one wins.
		if n, _ := db.PublishDirectory(ctx, "51", []national.Entry{e1, e2}); n != 0 {
			t.Fatalf("a re-send changed %d", n)
		}
		e1v3 := e1
		e1v3.Version, e1v3.Revoked = 3, true
		e1v2 := e1
		e1v2.Version = 2
		if n, _ := db.PublishDirectory(ctx, "51", []national.Entry{e1v3, e1v2}); n != 1 {
			t.Fatalf("newer version changed %d", n)
		}
		if n, _ := db.PublishDirectory(ctx, "51", []national.Entry{e1v2}); n != 0 {
			t.Fatalf("an older version changed %d", n)
		}
		var row store.DirectoryEntry
		db.Gorm().First(&row, "id = ?", e1.ID)
		if row.Version != 3 || !row.Revoked || row.Region != "51" {
			t.Fatalf("stored %+v", row)
		}
		// All or nothing: a batch with one foreign entry stores nothing.
		e3 := entry(t, "51", 3, 1)
		if _, err := db.PublishDirectory(ctx, "51", []national.Entry{e3, entry(t, "50", 4, 1)}); models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), "entry 2") {
			t.Fatalf("foreign entry: %v", err)
		}
		var count int64
		db.Gorm().Model(&store.DirectoryEntry{}).Where("id = ?", e3.ID).Count(&count)
		if count != 0 {
			t.Fatal("part of a refused batch was stored")
		}
		// Lookups.
		other := entry(t, "50", 5, 1)
		db.PublishDirectory(ctx, "50", []national.Entry{other})
		rs, err := db.HolderRegions(ctx, digester.Digest("11010519491231002X"), "")
		if err != nil || strings.Join(rs, ",") != "50,51" {
			t.Fatalf("HolderRegions = %v, %v", rs, err)
		}
		if rs, _ := db.HolderRegions(ctx, digester.Digest("11010519491231002X"), "11100000000013338W001"); len(rs) != 0 {
			t.Fatalf("type filter: %v", rs)
		}
		loc, err := db.LocateFile(ctx, strings.ToUpper(e2.FileSM3))
		if err != nil || len(loc) != 1 || loc[0].ID != e2.ID || loc[0].Region != "51" {
			t.Fatalf("LocateFile = %+v, %v", loc, err)
		}
		// A deletion leaves the lookups and the summaries.
		del := national.Entry{ID: other.ID, TypeCode: typeCode, Version: 2, Deleted: true}
		if n, err := db.PublishDirectory(ctx, "50", []national.Entry{del}); err != nil || n != 1 {
			t.Fatalf("deletion: %d, %v", n, err)
		}
		if rs, _ := db.HolderRegions(ctx, digester.Digest("11010519491231002X"), ""); strings.Join(rs, ",") != "51" {
			t.Fatalf("after deletion HolderRegions = %v", rs)
		}
		vs, err := db.DirectoryVersions(ctx, "51", "", "", 10)
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions %v, %v", vs, err)
		}
		sum, err := db.DirectorySummary(ctx, "51", e1.ID, "")
		want := national.Summarize([]national.Version{{ID: e1.ID, Version: 3}, {ID: e2.ID, Version: 1}})
		if e2.ID < e1.ID {
			want = national.Summarize([]national.Version{{ID: e1.ID, Version: 3}})
		}
		if err != nil || sum != want {
			t.Fatalf("summary %+v, want %+v", sum, want)
		}
		if s, _ := db.DirectorySummary(ctx, "50", "", ""); s.Count != 0 {
			t.Fatalf("region 50 summary counts its deletion: %+v", s)
		}
	})
}

// addCertificate stores a certificate of region 51 the way import does,
// with its directory change in the same transaction.
func addCertificate(t *testing.T, db *store.DB, serial int, holderCode string, file bool) string {
	t.Helper()
	id := certID(t, "51", serial)
	err := db.Transaction(context.Background(), func(tx *store.DB) error {
		h := models.Holder{Code: holderCode, TypeCode: "111", Name: "张三", Province: "11"}
		if err := tx.Gorm().Where("code = ?", holderCode).FirstOrCreate(&h).Error; err != nil {
			return err
		}
		until := models.Date{Year: 2030, Month: 1, Day: 1}
		c := models.Certificate{ID: id, TypeCode: typeCode, Name: "机动车驾驶证", Number: fmt.Sprint(serial), HolderID: h.ID,
			IssueDeptCode: strings.Split(id, ".")[6], IssueDate: models.Date{Year: 2024, Month: 3, Day: serial%28 + 1},
			ValidFrom: models.Date{Year: 2024, Month: 3, Day: 1}, ValidUntil: &until}
		if err := tx.Gorm().Create(&c).Error; err != nil {
			return err
		}
		if file {
			if err := tx.Gorm().Create(&models.CertificateFile{CertificateID: id, Format: "pdf", Size: 1, SM3: strings.Repeat("cd", 32), SHA256: strings.Repeat("ef", 32), Content: []byte("x"), UploadedAt: time.Now()}).Error; err != nil {
				return err
			}
		}
		_, err := tx.EnqueueDirectoryChange(context.Background(), id, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestNodeOutbox(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := addCertificate(t, db, 1, "11010519491231002X", true)
		b := addCertificate(t, db, 2, "11010519491231002X", false)
		// A failed transaction leaves neither the change nor its outbox item.
		db.Transaction(context.Background(), func(tx *store.DB) error {
			tx.EnqueueDirectoryChange(context.Background(), certID(t, "51", 3), false)
			return errors.New("the import failed")
		})
		if n, _ := db.OutboxBacklog(ctx); n != 2 {
			t.Fatalf("backlog %d, want 2", n)
		}
		// Revocation: a change of a, version 2.
		err := db.Transaction(context.Background(), func(tx *store.DB) error {
			if err := tx.Gorm().Model(&models.Certificate{}).Where("id = ?", a).Update("revoked_at", time.Now().UTC()).Error; err != nil {
				return err
			}
			v, err := tx.EnqueueDirectoryChange(context.Background(), a, false)
			if v != 2 {
				t.Errorf("version after a revocation %d, want 2", v)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		items, err := db.PendingOutbox(ctx, 10)
		if err != nil || len(items) != 3 || items[0].CertificateID != a || items[2].CertificateID != a || items[0].Seq >= items[2].Seq {
			t.Fatalf("pending %+v, %v", items, err)
		}
		es, err := db.LocalDirectoryEntries(ctx, digester, []string{a, b, "unknown"})
		if err != nil || len(es) != 2 {
			t.Fatalf("entries %+v, %v", es, err)
		}
		ea := es[0]
		if ea.ID != a {
			ea = es[1]
		}
		if !ea.Revoked || ea.Version != 2 || ea.FileSM3 != strings.Repeat("cd", 32) || ea.HolderDigest != digester.Digest("11010519491231002X") || ea.ValidUntil != "2030-01-01" || ea.HolderType != "111" {
			t.Fatalf("entry %+v", ea)
		}
		if err := national.ValidateBatch("51", es); err != nil {
			t.Fatalf("the node's entries do not pass the hub's checks: %v", err)
		}
		// Deletion: a tombstone with a higher version.
		db.Transaction(context.Background(), func(tx *store.DB) error {
			tx.Gorm().Delete(&models.Certificate{}, "id = ?", b)
			_, err := tx.EnqueueDirectoryChange(context.Background(), b, true)
			return err
		})
		es, _ = db.LocalDirectoryEntries(ctx, digester, []string{b})
		if len(es) != 1 || !es[0].Deleted || es[0].Version != 2 || es[0].TypeCode != typeCode {
			t.Fatalf("tombstone %+v", es)
		}
		vs, _ := db.LocalDirectoryVersions(ctx, "", 10)
		if len(vs) != 1 || vs[0].ID != a || vs[0].Version != 2 {
			t.Fatalf("live versions %+v", vs)
		}
		if err := db.DeleteOutbox(ctx, []int64{items[0].Seq, items[1].Seq}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.OutboxBacklog(ctx); n != 2 {
			t.Fatalf("backlog %d after deleting two of four", n)
		}
	})
}

// The store behind national.Publisher and national.Reconcile: a node
// database and a hub database, end to end.
type nodeSide struct{ db *store.DB }

func (n nodeSide) Pending(ctx context.Context, l int) ([]national.OutboxItem, error) {
	return n.db.PendingOutbox(ctx, l)
}
func (n nodeSide) Done(ctx context.Context, s []int64) error  { return n.db.DeleteOutbox(ctx, s) }
func (n nodeSide) Backlog(ctx context.Context) (int64, error) { return n.db.OutboxBacklog(ctx) }
func (n nodeSide) Entries(ctx context.Context, ids []string) ([]national.Entry, error) {
	return n.db.LocalDirectoryEntries(ctx, digester, ids)
}
func (n nodeSide) Versions(ctx context.Context, from string, l int) ([]national.Version, error) {
	return n.db.LocalDirectoryVersions(ctx, from, l)
}

type hubSide struct {
	db     *store.DB
	region string
}

func (h hubSide) Publish(ctx context.Context, es []national.Entry) (int, error) {
	return h.db.PublishDirectory(ctx, h.region, es)
}
func (h hubSide) Summary(ctx context.Context, from, to string) (national.RangeSummary, error) {
	return h.db.DirectorySummary(ctx, h.region, from, to)
}
func (h hubSide) Versions(ctx context.Context, from, to string, l int) ([]national.Version, error) {
	return h.db.DirectoryVersions(ctx, h.region, from, to, l)
}

func TestPublishAndReconcileThroughTheStore(t *testing.T) {
	eachDB(t, func(t *testing.T, nodeDB *store.DB) {
		ctx := context.Background()
		hubDB := storetest.SQLite(t)
		var ids []string
		for i := range 30 {
			ids = append(ids, addCertificate(t, nodeDB, i, fmt.Sprintf("1101051949123%04d", i), i%2 == 0))
		}
		node, hub := nodeSide{nodeDB}, hubSide{hubDB, "51"}
		p := &national.Publisher{Region: "51", Outbox: node, Source: node, Hub: hub, Batch: 7}
		if n, err := p.Flush(ctx); err != nil || n != 30 {
			t.Fatalf("flush %d, %v", n, err)
		}
		rep, err := national.Reconcile(ctx, node, hub, 8, nil)
		if err != nil || rep.Differing != 0 || rep.Ranges != 4 {
			t.Fatalf("after publishing, reconcile found %+v, %v", rep, err)
		}
		// The hub loses entries, the node loses its outbox: reconciliation repairs.
		hubDB.Gorm().Where("id IN ?", ids[3:9]).Delete(&store.DirectoryEntry{})
		rep, err = national.Reconcile(ctx, node, hub, 8, nil)
		if err != nil || rep.Resent != 6 {
			t.Fatalf("reconcile %+v, %v", rep, err)
		}
		rep, _ = national.Reconcile(ctx, node, hub, 8, nil)
		if rep.Differing != 0 {
			t.Fatalf("still differing after repair: %+v", rep)
		}
	})
}

func TestEnsureHubCredential(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box := newBox(t)
		if c, err := db.LoadHubCredential(ctx, box); c != nil || err != nil {
			t.Fatalf("before any: %+v, %v", c, err)
		}
		var mints atomic.Int32
		mint := func(tx *store.DB) (store.HubCredentialSecret, error) {
			n := mints.Add(1)
			time.Sleep(20 * time.Millisecond) // widen the race window
			return store.HubCredentialSecret{AccountID: fmt.Sprintf("hub%d", n), Token: fmt.Sprintf("tok%d", n), ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
		fresh := func(c *store.HubCredentialSecret) bool { return time.Until(c.ExpiresAt) < 10*time.Minute }
		var wg sync.WaitGroup
		got := make([]*store.HubCredentialSecret, 4)
		errs := make([]error, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = db.EnsureHubCredential(ctx, box, fresh, mint)
			}()
		}
		wg.Wait()
		for i := range 4 {
			if errs[i] != nil || got[i].Token != "tok1" {
				t.Fatalf("caller %d: %+v, %v", i, got[i], errs[i])
			}
		}
		if mints.Load() != 1 {
			t.Fatalf("%d accounts minted by 4 concurrent starts, want 1", mints.Load())
		}
		c, err := db.LoadHubCredential(ctx, box)
		if err != nil || c.AccountID != "hub1" || c.Token != "tok1" {
			t.Fatalf("loaded %+v, %v", c, err)
		}
		var raw store.HubCredential
		db.Gorm().First(&raw)
		if strings.Contains(string(raw.TokenSealed), "tok1") {
			t.Fatal("the token is stored in clear")
		}
		// Rotation when stale.
		c2, err := db.EnsureHubCredential(ctx, box, func(*store.HubCredentialSecret) bool { return true }, mint)
		if err != nil || c2.Token != "tok2" {
			t.Fatalf("rotation %+v, %v", c2, err)
		}
		// A failed mint stores nothing and keeps the old credential.
		_, err = db.EnsureHubCredential(ctx, box, func(*store.HubCredentialSecret) bool { return true },
			func(*store.DB) (store.HubCredentialSecret, error) {
				return store.HubCredentialSecret{}, errors.New("no")
			})
		if err == nil {
			t.Fatal("a failed mint succeeded")
		}
		if c, _ := db.LoadHubCredential(ctx, box); c.Token != "tok2" {
			t.Fatalf("after a failed rotation: %+v", c)
		}
	})
}

// A database that had certificates before the national step gets each of
// them directory version 1 from it, so the first reconciliation publishes them.
func TestNationalMigrationVersionsExistingCertificates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := addCertificate(t, db, 1, "11010519491231002X", false)
		// Back to the state before step 4, with the certificate already there.
		for _, table := range []string{"directory_versions", "directory_outbox"} {
			if err := db.Gorm().Exec("DELETE FROM " + table).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Gorm().Exec("DELETE FROM schema_migrations WHERE version >= 4").Error; err != nil {
			t.Fatal(err)
		}
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) == 0 || applied[0] != 4 {
			t.Fatalf("Migrate = %v, %v", applied, err)
		}
		vs, err := db.LocalDirectoryVersions(ctx, "", 10)
		if err != nil || len(vs) != 1 || vs[0].ID != a || vs[0].Version != 1 {
			t.Fatalf("versions after the step: %+v, %v", vs, err)
		}
	})
}
