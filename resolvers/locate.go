package resolvers

import (
	"certgraph/internal/ident"
	"certgraph/models"
)

// location says where a certificate lives.
type location int

const (
	local    location = iota // in this node's database
	national                 // at the national platform (another province's certificate)
)

// locate is the one place that decides where a certificate lives (spec 5.3):
// the issuing department's province, read from the identifier, against this
// node's region.
func (r *Resolver) locate(id ident.CertID) location {
	if id.IssuerProvince() == r.cfg.Region {
		return local
	}
	return national
}

// notHere is the answer for another province's certificate while no national
// platform is configured for this node.
func (r *Resolver) notHere(id ident.CertID) error {
	return models.Errorf(models.EUNAVAILABLE, "certificate %s was issued in province %s, not here (%s); it is served by the national platform, which this node is not configured to reach",
		id.String(), id.IssuerProvince(), r.cfg.Region)
}
