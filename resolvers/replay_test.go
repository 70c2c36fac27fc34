package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"certgraph/internal/national"
)

// TestDispatchReplay: what an attempt recorded is answered after replay(),
// each answer once and in order, by region, query and variables; nothing is
// answered from the record before replay(), and nothing recorded after it.
func TestDispatchReplay(t *testing.T) {
	ctx, d := withDispatchReplay(context.Background())
	if dispatchReplayOf(ctx) != d || dispatchReplayOf(context.Background()) != nil {
		t.Fatal("the replay is not the context's")
	}
	q := national.Request{Query: "query($id: ID!) { certificate(id: $id) { id } }", Variables: map[string]any{"id": "a", "useFor": "SHOW"}}
	same := national.Request{Query: q.Query, Variables: map[string]any{"useFor": "SHOW", "id": "a"}}
	other := national.Request{Query: q.Query, Variables: map[string]any{"id": "b", "useFor": "SHOW"}}
	if replayKey("50", q) != replayKey("50", same) {
		t.Fatal("the same variables in another order are another read")
	}
	for _, k := range []string{replayKey("50", other), replayKey("00", q)} {
		if k == replayKey("50", q) {
			t.Fatalf("another read has the same key %q", k)
		}
	}

	first := &national.Response{Data: json.RawMessage(`{"n":1}`), From: "50"}
	failed := errors.New("unreachable")
	d.record(replayKey("50", q), first, nil)
	d.record(replayKey("50", q), nil, failed)
	if _, ok := d.take(replayKey("50", q)); ok {
		t.Fatal("answered from the record while the attempt still runs")
	}
	d.replay()
	d.record(replayKey("50", other), first, nil) // gqlgen's own reads are not recorded
	if _, ok := d.take(replayKey("50", other)); ok {
		t.Fatal("a read sent after replay() was recorded")
	}

	got, ok := d.take(replayKey("50", same))
	if !ok {
		t.Fatal("the first recorded answer is not there")
	}
	var out struct{ N int }
	resp, err := got.answer(&out)
	if err != nil || resp != first || out.N != 1 {
		t.Fatalf("first answer: %+v %v, decoded %+v", resp, err, out)
	}
	got, ok = d.take(replayKey("50", q))
	if !ok {
		t.Fatal("the second recorded answer is not there")
	}
	if _, err := got.answer(&out); !errors.Is(err, failed) {
		t.Fatalf("second answer's error %v, want %v", err, failed)
	}
	if _, ok := d.take(replayKey("50", q)); ok {
		t.Fatal("a recorded answer was given twice")
	}

	// No data (null, or errors only): out stays as it was.
	out.N = 7
	if _, err := (dispatched{resp: &national.Response{Data: json.RawMessage("null")}}).answer(&out); err != nil || out.N != 7 {
		t.Fatalf("null data: %v, out %+v", err, out)
	}
}
