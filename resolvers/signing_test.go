package resolvers

import (
	"context"
	"testing"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/store"
	"certgraph/models"
)

// TestSignatureCoversTheHolderShown: the canonical form digitalSign signs
// takes the certificate's holder where Certificate.holder takes it, the
// node cache first, so a read signs the holder it shows even when the
// request's loader holds another version of it. It used to take the
// holder from the loader alone, which also made every read of a cached
// certificate wait the loader's batching window.
func TestSignatureCoversTheHolderShown(t *testing.T) {
	e := newRulesEnv(t)
	ctx := context.Background()
	dept := models.Department{Code: "11510000MB1234567X", Name: "厅", Province: "51"}
	stored := models.Holder{Code: "510107198803124514", TypeCode: models.HolderTypeCitizenID, Name: "张三丰", Province: "51"}
	c := &models.Certificate{ID: "C1", TypeCode: "11100000000013338W001", Name: "证", Number: "N-1", IssueDeptCode: dept.Code,
		IssueDate: models.DateOf(e.now), ValidFrom: models.DateOf(e.now),
		Surfaces: []models.Surface{{CertificateID: "C1", Name: "n", ColumnName: "c", ValueType: models.ValueString, Value: "v"}}}
	if err := e.db.Transaction(ctx, func(tx *store.DB) error {
		_, err := tx.PutCertificate(ctx, dept, stored, c)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The node cache holds the holder under another name than the row (as
	// it may until an invalidation arrives): the answer shows the cached one.
	shown := stored
	shown.ID, shown.Name = c.HolderID, "张三"
	key := cache.HolderKey(c.HolderID)
	for i := 0; ; i++ {
		e.r.cache.Set(key, e.r.cache.Generation(key), &shown)
		time.Sleep(time.Millisecond) // the cache admits values asynchronously
		if _, ok := e.r.cache.Get(key); ok {
			break
		}
		if i == 1000 {
			t.Fatal("the cache did not take the holder")
		}
	}
	reader := e.account(t, "A-reader", models.AccountApproved, e.now.Add(time.Hour), models.RoleConsumer)
	rctx := e.as(reader, "")
	// This request's loader already holds the row (a holder query primes
	// it with the holder it read), which the cache does not show.
	e.r.loadersOf(rctx).primeHolder(&models.Holder{ID: c.HolderID, Code: stored.Code, TypeCode: stored.TypeCode, Name: stored.Name, Province: "51"})
	h, err := e.r.Certificate().Holder(rctx, c)
	if err != nil || h.Name != shown.Name {
		t.Fatalf("Certificate.holder = %+v, %v; want the cached holder", h, err)
	}
	in, err := e.r.canonicalInput(rctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if in.Holder.Name != h.Name || in.Holder.Code != h.Code {
		t.Fatalf("digitalSign covers holder %q, the answer shows %q", in.Holder.Name, h.Name)
	}
}
