// Package national is the federation layer between provincial nodes and the
// national hub (spec §5.2–5.5) as plain Go: the GraphQL client one node uses
// to call another, the inter-node header rules and loop safety, circuit
// breakers, ownership of a certificate by its identifier, the hub's holder
// fan-out, the national directory's entries and digests, and the node's
// outbox publisher and reconciliation. It knows nothing of GORM or of the
// resolvers: the store and the graph plug in through small interfaces.
package national

import (
	"fmt"

	"certgraph/internal/ident"
)

// HubRegion is the region code the national hub runs as.
const HubRegion = "00"

// ValidRegion reports whether code is a two-digit region code.
func ValidRegion(code string) bool {
	return len(code) == 2 && code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9'
}

// CheckRegion returns an error naming field when code is not a two-digit region code.
func CheckRegion(field, code string) error {
	if !ValidRegion(code) {
		return fmt.Errorf("%s: %q is not a region code (two digits, GB/T 2260 province or 00 for the hub)", field, code)
	}
	return nil
}

// IssuingRegion returns the issuing province of a certificate identifier:
// characters 3–4 of its issuer code. A malformed identifier is an error
// from internal/ident naming what is wrong.
func IssuingRegion(certID string) (string, error) {
	id, err := ident.ParseCertID(certID)
	if err != nil {
		return "", err
	}
	return id.IssuerProvince(), nil
}

// Registry answers whether a region has a registered node (at the hub).
type Registry interface {
	Registered(region string) bool
}

// RegistryFunc adapts a function to Registry.
type RegistryFunc func(region string) bool

// Registered calls f.
func (f RegistryFunc) Registered(region string) bool { return f(region) }

// Owner returns the region that owns the certificate certID, as the hub sees
// it: the registered node of its issuing province, or the hub itself when no
// node is registered for that province (central departments, code 10, and
// provinces not yet joined). Nothing else decides routing by identifier.
func Owner(certID string, nodes Registry) (string, error) {
	p, err := IssuingRegion(certID)
	if err != nil {
		return "", err
	}
	if p != HubRegion && nodes != nil && nodes.Registered(p) {
		return p, nil
	}
	return HubRegion, nil
}

// Route is where a read of one certificate goes from the node that received it.
type Route int

// Routes.
const (
	// RouteLocal: this node owns the certificate and answers it.
	RouteLocal Route = iota
	// RouteHub: the certificate belongs elsewhere; ask the hub (at a node), or
	// the owner the hub's registry names (at the hub).
	RouteHub
)

// Locate decides, at a node of region self, whether certID is answered here
// or through the hub: a certificate is local exactly when its issuing
// province is self. At the hub (self = HubRegion) use Owner instead.
func Locate(certID, self string) (Route, error) {
	p, err := IssuingRegion(certID)
	if err != nil {
		return RouteLocal, err
	}
	if p == self {
		return RouteLocal, nil
	}
	return RouteHub, nil
}
