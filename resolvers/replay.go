package resolvers

import (
	"context"
	"encoding/json"
	"sync"

	"certgraph/internal/national"
)

// dispatchReplay carries the national reads a direct-read attempt sent over
// to gqlgen's run of the same operation, when the attempt hands it back: one
// request is one read at the region that owns the certificate, so that
// region audits it once and the hub is not asked twice. The attempt records
// what each dispatch answered; gqlgen's run takes those answers, each once,
// and sends for real only what the attempt did not.
type dispatchReplay struct {
	mu        sync.Mutex
	replaying bool
	sent      map[string][]dispatched
}

// dispatched is what one national read answered.
type dispatched struct {
	resp *national.Response
	err  error
}

type dispatchReplayKey struct{}

// withDispatchReplay returns ctx with a replay in its recording phase.
func withDispatchReplay(ctx context.Context) (context.Context, *dispatchReplay) {
	d := &dispatchReplay{}
	return context.WithValue(ctx, dispatchReplayKey{}, d), d
}

// dispatchReplayOf is ctx's replay: nil unless the direct path took the
// operation on (its attempt records, gqlgen's run after it replays).
func dispatchReplayOf(ctx context.Context) *dispatchReplay {
	d, _ := ctx.Value(dispatchReplayKey{}).(*dispatchReplay)
	return d
}

// replay ends the recording: what follows takes the recorded answers.
func (d *dispatchReplay) replay() {
	d.mu.Lock()
	d.replaying = true
	d.mu.Unlock()
}

// replayKey names one national read: the same question to the same region.
func replayKey(region string, req national.Request) string {
	vars, _ := json.Marshal(req.Variables) // map keys sorted
	return region + "\x00" + req.OperationName + "\x00" + req.Query + "\x00" + string(vars)
}

// record keeps a read's answer while the attempt runs.
func (d *dispatchReplay) record(key string, resp *national.Response, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.replaying {
		return
	}
	if d.sent == nil {
		d.sent = map[string][]dispatched{}
	}
	d.sent[key] = append(d.sent[key], dispatched{resp, err})
}

// take returns a recorded answer to key, once; ok false means the read must
// be sent.
func (d *dispatchReplay) take(key string) (got dispatched, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.replaying || len(d.sent[key]) == 0 {
		return dispatched{}, false
	}
	got, d.sent[key] = d.sent[key][0], d.sent[key][1:]
	return got, true
}

// answer decodes a recorded answer into out as the national client did the
// first time (its data, when there is any; it was validated then).
func (got dispatched) answer(out any) (*national.Response, error) {
	if got.err != nil {
		return got.resp, got.err
	}
	if out != nil && got.resp != nil && got.resp.HasData() {
		if err := json.Unmarshal(got.resp.Data, out); err != nil {
			return nil, err
		}
	}
	return got.resp, nil
}
