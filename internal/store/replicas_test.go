package store_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/invalidate"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"

	"gorm.io/gorm"
)

type nopCache struct{}

func (nopCache) Invalidate(string) {}
func (nopCache) InvalidateAll()    {}

// replicated opens the primary+replica topology with a running tailer and
// router (probing every 20 ms, MaxLag 300 ms).
func replicated(t *testing.T) (*store.DB, *store.Replicas, *invalidate.Tailer, *gorm.DB) {
	t.Helper()
	r := storetest.Replication(t)
	tl, err := invalidate.New(r.Primary, nopCache{}, invalidate.Config{Node: "node-a", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := tl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { tl.Run(ctx); close(done) }()
	reps, err := r.Primary.UseReplicas(store.ReplicaConfig{
		URLs: []string{r.ReplicaURL}, Writes: tl, MaxLag: 300 * time.Millisecond,
		ProbeInterval: 20 * time.Millisecond, Log: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	reps.Run(ctx)
	t.Cleanup(func() { cancel(); <-done; reps.Close() })
	admin, err := store.Open(os.Getenv(storetest.EnvReplicaURL), "", quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Gorm().Exec("START SLAVE SQL_THREAD")
		admin.Close()
	})
	waitState(t, reps, store.ReplicaUp)
	return r.Primary, reps, tl, admin.Gorm()
}

func waitState(t *testing.T, reps *store.Replicas, want store.ReplicaState) store.ReplicaStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := reps.Status()[0]
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica state %s, want %s: %+v", st.State, want, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func serverID(ctx context.Context, read func(context.Context, func(*gorm.DB) error) error) (int, error) {
	var id int
	err := read(ctx, func(db *gorm.DB) error { return db.Raw("SELECT @@server_id").Scan(&id).Error })
	return id, err
}

const primaryID, replicaID = 1, 2 // server IDs set by .ci/mariadb-replica.sh

// revoke changes a row and logs its invalidation in one transaction, as a
// revocation does, and waits until this node's tailer has seen it.
// With sync it polls the tailer itself, as the writing node does.
func revoke(t *testing.T, db *store.DB, tl *invalidate.Tailer, name, value string, sync bool) {
	t.Helper()
	before := tl.Watermark().Seq
	ctx := context.Background()
	err := db.Transaction(ctx, func(tx *store.DB) error {
		if err := tx.Gorm().Model(&store.NodeKey{}).Where("name = ?", name).Update("fingerprint", value).Error; err != nil {
			return err
		}
		return tx.AppendInvalidations(ctx, "node-a", "key:"+name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if sync {
		// As a writer does after its commit: its next read must see the write.
		if err := tl.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if tl.Watermark().Seq == before {
			t.Fatal("the write is not in the watermark after Poll")
		}
		return
	}
	for deadline := time.Now().Add(5 * time.Second); tl.Watermark().Seq == before; {
		if time.Now().After(deadline) {
			t.Fatal("tailer never saw the write")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReplicaRouting(t *testing.T) {
	db, reps, tl, admin := replicated(t)
	ctx := context.Background()
	if err := db.RecordNodeKeys(ctx, "node-a", []store.NodeKey{{Name: "k", Fingerprint: "v0"}}); err != nil {
		t.Fatal(err)
	}

	// Unmarked statements stay on the primary; marked reads reach the replica.
	var id int
	if err := db.Gorm().Raw("SELECT @@server_id").Scan(&id).Error; err != nil || id != primaryID {
		t.Fatalf("unmarked read on server %d (%v), want the primary", id, err)
	}
	waitState(t, reps, store.ReplicaUp)
	if id, err := serverID(ctx, reps.ReadBounded); err != nil || id != replicaID {
		t.Fatalf("bounded read on server %d (%v), want the replica", id, err)
	}
	if st := reps.Status()[0]; st.Reads != 1 {
		t.Errorf("replica counted %d reads, want 1", st.Reads)
	}
	// Writes through a replica-marked handle still go to the primary.
	if err := reps.ReadCurrent(ctx, func(db *gorm.DB) error {
		return db.Create(&store.Invalidation{Key: "key:write-through-read", Node: "node-a", CreatedAt: time.Now()}).Error
	}); err != nil {
		t.Fatalf("write through a read handle: %v", err)
	}

	// Revocations are seen at once: right after the tailer sees a write, a
	// current read answers with it, from the replica if it holds it already,
	// else from the primary; once the replica is up again it holds it.
	readK := func() (string, int) {
		t.Helper()
		var got string
		var server int
		err := reps.ReadCurrent(ctx, func(db *gorm.DB) error {
			if err := db.Raw("SELECT @@server_id").Scan(&server).Error; err != nil {
				return err
			}
			return db.Model(&store.NodeKey{}).Where("name = ?", "k").Pluck("fingerprint", &got).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, server
	}
	onReplica := 0
	for i := range 30 {
		want := fmt.Sprintf("v%d", i+1)
		revoke(t, db, tl, "k", want, i%2 == 0)
		got, server := readK()
		if got != want {
			t.Fatalf("write %d: current read right after it, on server %d, saw %q, want %q", i, server, got, want)
		}
		if server == replicaID {
			onReplica++
		}
		waitState(t, reps, store.ReplicaUp)
		if got, server := readK(); got != want || server != replicaID {
			t.Fatalf("write %d: with the replica up, current read on server %d saw %q, want %q from the replica", i, server, got, want)
		}
	}
	t.Logf("current reads right after a write: %d/30 on the replica, the rest on the primary", onReplica)

	// A replica that stops applying (SQL thread stopped) serves no current
	// read from the first write it lacks, serves bounded reads until its lag
	// passes MaxLag, then none; it comes back when it catches up.
	if err := admin.Exec("STOP SLAVE SQL_THREAD").Error; err != nil {
		t.Fatal(err)
	}
	revoke(t, db, tl, "k", "behind", false)
	var got string
	if err := reps.ReadCurrent(ctx, func(db *gorm.DB) error {
		return db.Model(&store.NodeKey{}).Where("name = ?", "k").Pluck("fingerprint", &got).Error
	}); err != nil || got != "behind" {
		t.Fatalf("current read with a stopped replica saw %q (%v)", got, err)
	}
	st := waitState(t, reps, store.ReplicaLagging)
	if st.Lag < 300*time.Millisecond {
		t.Errorf("lagging with lag %v, under MaxLag", st.Lag)
	}
	if id, err := serverID(ctx, reps.ReadBounded); err != nil || id != primaryID {
		t.Errorf("bounded read with a lagging replica on server %d (%v), want the primary", id, err)
	}
	if err := admin.Exec("START SLAVE SQL_THREAD").Error; err != nil {
		t.Fatal(err)
	}
	waitState(t, reps, store.ReplicaUp)
	if id, err := serverID(ctx, reps.ReadCurrent); err != nil || id != replicaID {
		t.Errorf("current read after catching up on server %d (%v), want the replica", id, err)
	}
}

// TestReplicaStopsAndComesBack: concurrent readers never see an error while
// the replica server is stopped and started again; reads move to the primary
// and come back.
func TestReplicaStopsAndComesBack(t *testing.T) {
	_, reps, _, _ := replicated(t)
	ctx, cancel := context.WithCancel(context.Background())
	var failed, onReplica, onPrimary atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id, err := serverID(context.Background(), reps.ReadBounded)
				switch {
				case err != nil:
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				case id == replicaID:
					onReplica.Add(1)
				default:
					onPrimary.Add(1)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	storetest.ReplicaCtl(t, "stop-replica")
	down := waitState(t, reps, store.ReplicaDown)
	time.Sleep(200 * time.Millisecond)
	primaryDuringOutage := onPrimary.Load()
	storetest.ReplicaCtl(t, "start-replica")
	waitState(t, reps, store.ReplicaUp)
	replicaBefore := onReplica.Load()
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	t.Logf("reads: %d on the replica, %d on the primary, %d failed; replica failures %d; down state: %s",
		onReplica.Load(), onPrimary.Load(), failed.Load(), reps.Status()[0].Failures, down.LastError)
	if failed.Load() != 0 {
		t.Errorf("%d reads failed while the replica went away, first: %v", failed.Load(), firstErr.Load())
	}
	if primaryDuringOutage == 0 {
		t.Error("no read went to the primary while the replica was down")
	}
	if onReplica.Load() == replicaBefore {
		t.Error("no read reached the replica after it came back")
	}
}

func TestReplicasNeedMySQL(t *testing.T) {
	db := storetest.SQLite(t)
	if _, err := db.UseReplicas(store.ReplicaConfig{URLs: []string{"mysql://root@tcp(127.0.0.1:1)/x"}}); err == nil {
		t.Error("replicas accepted for an SQLite primary")
	}
	// No replicas: every read runs on the primary.
	reps, err := db.UseReplicas(store.ReplicaConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reps.ReadCurrent(context.Background(), func(db *gorm.DB) error { return db.Raw("SELECT 1").Scan(&n).Error }); err != nil || n != 1 {
		t.Errorf("read without replicas: %d, %v", n, err)
	}
	if len(reps.Status()) != 0 {
		t.Error("status lists replicas that were not given")
	}
}

func TestReplicaURLRefused(t *testing.T) {
	r := storetest.Replication(t)
	for _, u := range []string{"postgres://x/y", "mysql://root@tcp(h:1)"} {
		if _, err := r.Primary.UseReplicas(store.ReplicaConfig{URLs: []string{u}}); err == nil {
			t.Errorf("replica URL %q accepted", u)
		}
	}
}

// fakeWrites is a WatermarkSource whose freshness a test sets.
type fakeWrites struct{ fresh atomic.Bool }

func (f *fakeWrites) Watermark() store.Watermark { return store.Watermark{} }
func (f *fakeWrites) Fresh() bool                { return f.fresh.Load() }

// TestCurrentReadsNeedAFreshTailer: while the node cannot read the
// invalidation log it cannot know what a replica lacks, so current reads go
// to the primary; bounded reads still use the replica.
func TestCurrentReadsNeedAFreshTailer(t *testing.T) {
	r := storetest.Replication(t)
	w := &fakeWrites{}
	reps, err := r.Primary.UseReplicas(store.ReplicaConfig{URLs: []string{r.ReplicaURL}, Writes: w, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer reps.Close()
	ctx := context.Background()
	reps.Probe(ctx)
	if st := reps.Status()[0]; st.State != store.ReplicaUp {
		t.Fatalf("replica %+v, want up", st)
	}
	if id, err := serverID(ctx, reps.ReadCurrent); err != nil || id != primaryID {
		t.Errorf("current read with a stale tailer on server %d (%v), want the primary", id, err)
	}
	if id, err := serverID(ctx, reps.ReadBounded); err != nil || id != replicaID {
		t.Errorf("bounded read on server %d (%v), want the replica", id, err)
	}
	w.fresh.Store(true)
	if id, err := serverID(ctx, reps.ReadCurrent); err != nil || id != replicaID {
		t.Errorf("current read with a fresh tailer on server %d (%v), want the replica", id, err)
	}
}

// TestPreloadFollowsTheRead: a read's preloads run on the same server as
// the read (a certificate and its surfaces never come from two servers).
func TestPreloadFollowsTheRead(t *testing.T) {
	r := storetest.Replication(t)
	ctx := context.Background()
	reps, err := r.Primary.UseReplicas(store.ReplicaConfig{URLs: []string{r.ReplicaURL}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer reps.Close()
	admin, err := store.Open(os.Getenv(storetest.EnvReplicaURL), "", quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		admin.Gorm().Exec("START SLAVE SQL_THREAD")
		admin.Close()
	}()
	today := models.DateOf(time.Now())
	c := models.Certificate{ID: "preload-1", TypeCode: "t", Name: "n", Number: "1", HolderID: 1, IssueDeptCode: "d",
		IssueDate: today, ValidFrom: today, Surfaces: []models.Surface{{Position: 1, Name: "a", ColumnName: "a", ValueType: "text", Value: "1"}}}
	if err := r.Primary.Gorm().Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	replica, err := store.Open(r.ReplicaURL, "", quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int64
		replica.Gorm().Model(&models.Surface{}).Where("certificate_id = ?", c.ID).Count(&n)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the certificate never reached the replica")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := admin.Gorm().Exec("STOP SLAVE SQL_THREAD").Error; err != nil {
		t.Fatal(err)
	}
	if err := r.Primary.Gorm().Create(&models.Surface{CertificateID: c.ID, Position: 2, Name: "b", ColumnName: "b", ValueType: "text", Value: "2"}).Error; err != nil {
		t.Fatal(err)
	}
	reps.Probe(ctx)
	var got models.Certificate
	if err := reps.ReadBounded(ctx, func(db *gorm.DB) error {
		return db.Preload("Surfaces").Where("id = ?", c.ID).First(&got).Error
	}); err != nil {
		t.Fatal(err)
	}
	if len(got.Surfaces) != 1 {
		t.Errorf("certificate read on the replica came with %d surfaces, want the replica's 1", len(got.Surfaces))
	}
	if st := reps.Status()[0]; st.Reads != 1 {
		t.Errorf("replica reads %d, want 1", st.Reads)
	}
}
