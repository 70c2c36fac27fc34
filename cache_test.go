package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"certgraph/internal/issuing"
	"certgraph/models"
)

// TestCacheNeverServesARevokedCertificate reads a certificate from many
// goroutines (keeping it hot in the cache and racing loads against the
// write) while it is revoked: every read that starts after the revocation
// returned must see it revoked.
func TestCacheNeverServesARevokedCertificate(t *testing.T) {
	e := newTestEnv(t, nil)
	_, certs := e.standardFixture(1, 1)
	tok := e.consumer()
	q := `query($id: ID!) { certificate(id: $id, useFor: VERIFICATION) { status } }`
	vars := map[string]any{"id": certs[0].ID}
	var revoked atomic.Bool
	var stale atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }); wg.Wait() }
	defer halt()
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load()
				status, err := e.tryStatus(tok, q, vars)
				if err == nil && after && status != "REVOKED" {
					stale.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		e.gql(tok, q, vars).must(t)
	}
	e.gql(testAdminToken, `mutation($id: ID!) { revokeCertificate(id: $id, reason: "测试") { id } }`, vars).must(t)
	revoked.Store(true)
	for i := 0; i < 30; i++ {
		if st := e.gql(tok, q, vars).must(t).str("certificate.status"); st != "REVOKED" {
			t.Fatalf("read after revocation returned %s", st)
		}
	}
	halt()
	if n := stale.Load(); n > 0 {
		t.Fatalf("%d reads started after the revocation returned saw the certificate unrevoked", n)
	}
}

// tryStatus reads certificate.status without failing the test (it runs
// in goroutines other than the test's).
func (e *testEnv) tryStatus(tok, q string, vars map[string]any) (string, error) {
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct{ Certificate struct{ Status string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	return out.Data.Certificate.Status, nil
}

// BenchmarkHolderQuery measures the portal's main query over HTTP: a holder
// with 20 certificates of 10 surfaces each, signatures included.
func BenchmarkHolderQuery(b *testing.B) {
	e := newTestEnv(b, nil)
	e.standardFixture(20, 10)
	tok := e.consumer()
	vars := map[string]any{"code": personCode}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.gql(tok, holderQuery, vars).must(b)
	}
}

// TestCachedReadsFollowWrites keeps a certificate hot in the cache (with its
// surfaces and holder) and then writes through the write path — the holder
// renamed via another certificate of theirs, the department renamed: the next
// read shows both.
func TestCachedReadsFollowWrites(t *testing.T) {
	e := newTestEnv(t, nil)
	person, certs := e.standardFixture(2, 2)
	tok := e.consumer()
	q := `query($id: ID!) { certificate(id: $id, useFor: VERIFICATION) { holder { name } issueDept { name } surfaces { value } digitalSign } }`
	vars := map[string]any{"id": certs[0].ID}
	var sig string
	for i := range 3 {
		r := e.gql(tok, q, vars).must(t)
		if r.str("certificate.holder.name") != person.Name || len(r.list("certificate.surfaces")) != 2 {
			t.Fatalf("read: %s", r.Raw)
		}
		// The signature of one version is made once and kept.
		if s := r.str("certificate.digitalSign"); i > 0 && s != sig {
			t.Fatalf("read %d signed again: %s, before %s", i, s, sig)
		} else {
			sig = s
		}
	}
	other := certs[1]
	if err := e.app.store.Gorm().Preload("Surfaces").First(&other, "id = ?", other.ID).Error; err != nil {
		t.Fatal(err)
	}
	renamed := person
	renamed.Name = "张新名"
	dept := models.Department{Code: deptCode, Name: "四川省公安厅（新）", Province: "51"}
	if _, err := e.app.writer.PutCertificate(context.Background(), &issuing.Certificate{Certificate: other, Holder: renamed, Dept: dept}); err != nil {
		t.Fatal(err)
	}
	r := e.gql(tok, q, vars).must(t)
	if got := r.str("certificate.holder.name"); got != renamed.Name {
		t.Errorf("holder after the rename: %q", got)
	}
	if got := r.str("certificate.issueDept.name"); got != dept.Name {
		t.Errorf("department after the rename: %q", got)
	}
	if r.str("certificate.digitalSign") == sig {
		t.Error("the signature of the old version was served for the new one")
	}
}
