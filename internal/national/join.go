package national

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// registerNodeOp is the operation a node sends the hub at every start and
// key change. The answer carries the hub's holder-digest key, which the
// node needs to build its directory entries.
const registerNodeOp = `mutation registerNode($input: RegisterNodeInput!) { registerNode(input: $input) { region url keyIds holderDigestKey } }`

// Registration is what a node tells the hub about itself (registerNode).
type Registration struct {
	URL                   string `json:"url"`                   // this node's --public-url
	SigningCertificatePem string `json:"signingCertificatePem"` // its current SM2 signing certificate
	AccountID             string `json:"accountId"`             // the account it made for the hub
	AccessToken           string `json:"accessToken"`           // that account's token
}

// Joined is the hub's answer to registerNode.
type Joined struct {
	Region          string   `json:"region"`
	URL             string   `json:"url"`
	KeyIDs          []string `json:"keyIds"`
	HolderDigestKey string   `json:"holderDigestKey"` // base64 of HolderKeySize bytes
}

type joinAnswer struct {
	J    *Joined `json:"registerNode"`
	self string
	url  string
}

func (a *joinAnswer) Validate() error {
	switch {
	case a.J == nil:
		return errors.New("registerNode answered nothing")
	case a.J.Region != a.self:
		return fmt.Errorf("registerNode answered region %q for the node of region %s", a.J.Region, a.self)
	case a.J.URL != a.url:
		return fmt.Errorf("registerNode answered URL %q, sent %q", a.J.URL, a.url)
	case len(a.J.KeyIDs) == 0:
		return errors.New("registerNode answered no key ids")
	}
	if k, err := base64.StdEncoding.DecodeString(a.J.HolderDigestKey); err != nil || len(k) != HolderKeySize {
		return fmt.Errorf("registerNode answered no %d-byte holder digest key", HolderKeySize)
	}
	return nil
}

// Register calls the hub's registerNode for this node (node mode only) and
// returns the hub's answer and its holder digester.
func (d *Dispatcher) Register(ctx context.Context, in Registration) (*Joined, *HolderDigester, error) {
	if !d.Settings.Dispatching() {
		return nil, nil, errors.New("national: only a node with --national-url registers at a hub")
	}
	target, err := d.Hub(ctx)
	if err != nil {
		return nil, nil, &RegionError{Region: HubRegion, Reason: "no way to call it: " + err.Error(), Err: err}
	}
	hop, err := BackgroundHop(d.Settings.Region, d.Settings.AccountID, d.Client.now(), d.Settings.Timeout)
	if err != nil {
		return nil, nil, err
	}
	a := joinAnswer{self: d.Settings.Region, url: in.URL}
	resp, err := d.Client.Do(ctx, target, hop, Request{Query: registerNodeOp, OperationName: "registerNode", Variables: map[string]any{"input": in}}, &a)
	if err != nil {
		return nil, nil, err
	}
	if err := resp.Err(); err != nil {
		return nil, nil, err
	}
	key, _ := base64.StdEncoding.DecodeString(a.J.HolderDigestKey)
	dg, err := NewHolderDigester(key)
	if err != nil {
		return nil, nil, err
	}
	return a.J, dg, nil
}

// JoinLoop registers with the hub until it works, backing off from min to
// max between attempts, then calls joined once and returns; it returns
// ctx's error if ctx ends first. A node runs it in the background so that
// it serves its own certificates while the hub is away.
func JoinLoop(ctx context.Context, register func(context.Context) error, joined func(), minWait, maxWait time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	wait := minWait
	for {
		err := register(ctx)
		if err == nil {
			joined()
			return nil
		}
		log.Warn("national: registering with the hub failed; retrying", "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, maxWait)
	}
}
