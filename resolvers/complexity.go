package resolvers

import (
	"certgraph/graph"
	"certgraph/graph/model"
	"certgraph/models"
)

// Typical sizes of the graph's lists, for the complexity limit: a field
// under a list costs once per expected element, so a query's cost tracks the
// work it asks for.
const (
	certificatesPerHolder = 20
	surfacesPerCert       = 10
)

// expectedPage is how many elements a listing's cost assumes: first when
// positive, else the listing's default page size.
func expectedPage(first *int, def int) int {
	if first != nil && *first > 0 {
		return *first
	}
	return def
}

// Complexity returns the cost functions of the graph's list fields.
func Complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Holder.Certificates = func(child int, _ models.UseFor, _ *string) int { return 1 + child*certificatesPerHolder }
	c.Certificate.Surfaces = func(child int) int { return 1 + child*surfacesPerCert }
	c.Query.Certificates = func(child int, _ string, _, _, _ *string, _ models.UseFor) int {
		return 1 + child*certificatesPerHolder
	}
	c.Query.EncryptedIds = func(child int, _ string, _, _ *string, _ *models.UseFor) int {
		return 1 + child*certificatesPerHolder
	}
	c.Query.SearchCertificates = func(child int, _ *model.CertificateFilter, _ models.UseFor, first *int, _ *string) int {
		return 1 + child*expectedPage(first, searchPage)
	}
	c.Query.AccessRecords = func(child int, _ *model.AccessRecordFilter, first *int, _ *string) int {
		return 1 + child*expectedPage(first, auditPage)
	}
	return c
}
