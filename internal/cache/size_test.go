package cache

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"certgraph/models"
)

// TestBoundedByBytes: entries weigh the bytes they keep alive, so uncached
// reads of certificates with large photos cannot grow the cache past its
// bound: 64 certificates of 1 MiB each, in a cache of 8 MiB, leave at most 8.
func TestBoundedByBytes(t *testing.T) {
	c, err := newCache(time.Minute, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	photo := strings.Repeat("A", 1<<20)
	keys := make([]string, 64)
	for i := range keys {
		id := fmt.Sprintf("cert-%02d", i)
		keys[i] = CertificateKey(id)
		c.Set(keys[i], c.Generation(keys[i]), &models.Certificate{ID: id, Surfaces: []models.Surface{{Name: "照片", ValueType: models.ValuePicture, Value: photo}}})
		c.c.Wait() // ristretto stores asynchronously
	}
	held := 0
	for _, k := range keys {
		if _, ok := c.Get(k); ok {
			held++
		}
	}
	if held > 8 || held == 0 {
		t.Fatalf("the 8 MiB cache holds %d certificates of 1 MiB, want 1 to 8", held)
	}
	if w := sizeOf(&models.Certificate{Surfaces: []models.Surface{{Value: photo}}}); w < 1<<20 {
		t.Fatalf("a certificate with a 1 MiB photo weighs %d bytes", w)
	}
}
