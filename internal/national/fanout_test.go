package national

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type item struct{ id, issued string }

func (i item) ItemID() string     { return i.id }
func (i item) ItemIssued() string { return i.issued }

func TestMerge(t *testing.T) {
	got, tr := Merge(3, []item{{"b", "2024-01-01"}, {"a", "2023-01-01"}}, []item{{"b", "2024-01-01"}, {"c", "2024-01-01"}, {"d", "2025-06-01"}})
	var ids []string
	for _, it := range got {
		ids = append(ids, it.id)
	}
	if strings.Join(ids, ",") != "d,b,c" || tr == nil || tr.Total != 4 || tr.Kept != 3 {
		t.Fatalf("Merge = %v, %+v", ids, tr)
	}
	if !strings.Contains(tr.Error(), "4 certificates") || !strings.Contains(tr.Error(), "newest 3") {
		t.Fatalf("truncation message %q", tr.Error())
	}
	if _, tr := Merge(10, []item{{"a", "2024-01-01"}}); tr != nil {
		t.Fatal("truncated below the limit")
	}
}

func TestFanOut(t *testing.T) {
	hop := Hop{Via: Via{"51"}, RequestID: "r", Deadline: time.Now().Add(2 * time.Second)}
	var mu sync.Mutex
	asked := map[string]bool{}
	var inFlight, peak atomic.Int32
	res := Run(context.Background(), FanOut{Concurrency: 2, Margin: 100 * time.Millisecond}, hop,
		[]string{"50", "51", "44", "50", "13", "slow", "bad"},
		func(ctx context.Context, region string) ([]item, error) {
			mu.Lock()
			asked[region] = true
			mu.Unlock()
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			switch region {
			case "slow":
				<-ctx.Done()
				return nil, ctx.Err()
			case "bad":
				return nil, errors.New("answered nonsense")
			case "44":
				return nil, &RegionError{Region: "44", Reason: "down"}
			}
			time.Sleep(20 * time.Millisecond)
			return []item{{"dup", "2020-01-01"}, {"x" + region, "2024-0" + region[1:] + "-01"}}, nil
		})
	mu.Lock()
	askedAsking := asked["51"]
	mu.Unlock()
	if askedAsking {
		t.Fatal("the asking region was asked")
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d regions asked at once, cap 2", p)
	}
	var ids []string
	for _, it := range res.Items {
		ids = append(ids, it.id)
	}
	if strings.Join(ids, ",") != "x13,x50,dup" {
		t.Fatalf("items %v", ids)
	}
	if len(res.Errors) != 3 || res.Errors["44"] == nil || res.Errors["bad"] == nil || res.Errors["slow"] == nil {
		t.Fatalf("errors %v", res.Errors)
	}
	if reg, _ := FailedRegion(res.Errors["bad"]); reg != "bad" {
		t.Fatalf("a plain error was not attributed to its region: %v", res.Errors["bad"])
	}
	if left := time.Until(hop.Deadline); left < 50*time.Millisecond {
		t.Fatalf("the fan-out did not keep its margin: %v left", left)
	}
}

func TestFanOutDeadlineWhileQueued(t *testing.T) {
	hop := Hop{Via: Via{"51"}, Deadline: time.Now().Add(150 * time.Millisecond)}
	var regions []string
	for i := 10; i < 20; i++ {
		regions = append(regions, fmt.Sprint(i))
	}
	res := Run(context.Background(), FanOut{Concurrency: 1, Margin: 50 * time.Millisecond}, hop, regions,
		func(ctx context.Context, region string) ([]item, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})
	if len(res.Errors) != len(regions) || len(res.Items) != 0 {
		t.Fatalf("%d errors, %d items", len(res.Errors), len(res.Items))
	}
	empty := Run(context.Background(), FanOut{}, hop, []string{"51"}, func(context.Context, string) ([]item, error) {
		t.Fatal("asked the asking region")
		return nil, nil
	})
	if len(empty.Items) != 0 || len(empty.Errors) != 0 {
		t.Fatal("a fan-out with no region produced something")
	}
}

func TestFanOutCap(t *testing.T) {
	hop := Hop{Deadline: time.Now().Add(time.Second)}
	res := Run(context.Background(), FanOut{}, hop, []string{"50", "52"}, func(_ context.Context, region string) ([]item, error) {
		var out []item
		for i := range 150 {
			out = append(out, item{fmt.Sprintf("%s-%03d", region, i), fmt.Sprintf("2024-01-%02d", i%28+1)})
		}
		return out, nil
	})
	if len(res.Items) != MaxHolderCertificates || res.Truncated == nil || res.Truncated.Total != 300 {
		t.Fatalf("%d items, truncated %+v", len(res.Items), res.Truncated)
	}
	for i := 1; i < len(res.Items); i++ {
		if res.Items[i-1].issued < res.Items[i].issued {
			t.Fatal("not newest first")
		}
	}
}
