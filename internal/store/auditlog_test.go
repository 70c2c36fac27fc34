package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
	"certgraph/models"
)

func TestAuditLogSQLite(t *testing.T) { checkAuditLog(t, storetest.SQLite(t)) }
func TestAuditLogMySQL(t *testing.T)  { checkAuditLog(t, storetest.MySQL(t)) }

// checkAuditLog appends from many goroutines at once: every record is stored
// once Append returns, in fewer statements than appends (group commit), and
// after Close appends fail instead of being dropped.
func checkAuditLog(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var statements atomic.Int64
	storetest.CountStatements(db, &statements)
	l := db.NewAuditLog(store.AuditLogConfig{Writers: 1, MaxBatch: 50})
	const readers = 200
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- l.Append(ctx, []models.AccessRecord{{AccountID: "A", Operation: "op", Subject: fmt.Sprint("S", i), UseFor: "01",
				Channel: models.ChannelGraphQL, Outcome: models.OutcomeOK, CreatedAt: time.Now().UTC()}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range readers {
		recs, err := db.AccessRecords(ctx, store.AccessRecordFilter{Subject: fmt.Sprint("S", i)}, 0, 5)
		if err != nil || len(recs) != 1 {
			t.Fatalf("record S%d: %d stored, %v", i, len(recs), err)
		}
	}
	if n := statements.Load() - readers; n >= readers {
		t.Errorf("%d INSERTs for %d appends: no batching", n, readers)
	}
	l.Close()
	if err := l.Append(ctx, []models.AccessRecord{{AccountID: "A", Operation: "op", Subject: "late", CreatedAt: time.Now()}}); err == nil {
		t.Error("Append after Close succeeded")
	}
}
