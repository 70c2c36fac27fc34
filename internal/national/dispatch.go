package national

import (
	"context"
	"fmt"

	"certgraph/internal/gmcrypto"
)

// Dispatcher is the one seam a process's read paths call to send a read
// elsewhere: at a node everything non-local goes to the hub; at the hub a
// read goes to its owner's node, or is the hub's own. It holds the client
// configured for the mode (breakers per region at the hub, transport-only
// at a node).
type Dispatcher struct {
	Settings Settings
	Client   *Client
	// Hub returns the hub and this node's credentials for it (node mode).
	Hub func(ctx context.Context) (Target, error)
	// Node returns how the hub calls region's node (hub mode).
	Node func(ctx context.Context, region string) (Target, error)
	// Nodes says which regions have a registered node (hub mode).
	Nodes Registry
}

// NewDispatcher returns a Dispatcher for s with a client suited to its mode.
func NewDispatcher(s Settings) *Dispatcher {
	c := &Client{Self: s.Region, HTTP: NewHTTPClient(), Breakers: &Breakers{}}
	c.TransportOnly = s.Mode == ModeNode
	return &Dispatcher{Settings: s, Client: c}
}

// Where returns the region that answers a read of certID here: Settings.Region
// when this process owns it, otherwise the region to send it to (the hub at
// a node, the owner at the hub).
func (d *Dispatcher) Where(certID string) (string, error) {
	if d.Settings.Mode == ModeHub {
		return Owner(certID, d.Nodes)
	}
	route, err := Locate(certID, d.Settings.Region)
	if err != nil {
		return "", err
	}
	if route == RouteLocal {
		return d.Settings.Region, nil
	}
	return HubRegion, nil
}

// WhereToken is Where for an encrypted identifier: its clear region prefix
// decides (a version-1 token, without one, is this process's own). The
// syntax is checked before anything is sent; errors wrap gmcrypto.ErrMalformed.
func (d *Dispatcher) WhereToken(token string) (string, error) {
	region, legacy, err := gmcrypto.TokenRegion(token)
	if err != nil {
		return "", err
	}
	if legacy || region == d.Settings.Region {
		return d.Settings.Region, nil
	}
	if d.Settings.Mode == ModeHub {
		if d.Nodes == nil || !d.Nodes.Registered(region) {
			return "", &RegionError{Region: region, Reason: "no node is registered for this region"}
		}
		return region, nil
	}
	return HubRegion, nil
}

// Send forwards the read described by hop (the Hop of the request being
// answered) to region, as Where or WhereToken named it, and returns the
// intact answer or a *RegionError. A node sends only reads that started on
// it, and only to the hub; the hub never sends to a region already passed.
func (d *Dispatcher) Send(ctx context.Context, hop Hop, region string, req Request, out any) (*Response, error) {
	self := d.Settings.Region
	if region == self {
		return nil, fmt.Errorf("national: a read of this process's own region %s is not sent anywhere", self)
	}
	var target Target
	var err error
	switch {
	case d.Settings.Mode == ModeNode && !d.Settings.Dispatching():
		return nil, &RegionError{Region: HubRegion, Reason: "this node is not configured to reach it (no --national-url)"}
	case d.Settings.Mode == ModeNode:
		if region != HubRegion {
			return nil, fmt.Errorf("national: a node sends reads to the hub only, not to region %s", region)
		}
		target, err = d.Hub(ctx)
	default:
		target, err = d.Node(ctx, region)
	}
	if err != nil {
		return nil, &RegionError{Region: region, Reason: "no way to call it: " + err.Error(), Err: err}
	}
	out2, err := hop.Forward(self, region)
	if err != nil {
		return nil, err
	}
	return d.Client.Do(ctx, target, out2, req, out)
}
