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

// Costs of fields whose resolver does much more than fetch a row, in units
// of one resolved field, so that many aliases of them add up to what they
// really cost the database or the CPU (an operation may cost 5000 by default).
const (
	// statisticsCost: four GROUP BY scans over the filtered certificates plus
	// two label lookups; 1,600 aliases of a cost-2 statistics took 8.7 s.
	statisticsCost = 250
	// searchCost: a filtered, ordered page over all certificates.
	searchCost = 50
	// accessRecordsCost: a filtered, ordered page over the audit log.
	accessRecordsCost = 50
	// verifyFileCost: parsing a layout file of up to 5 MiB and checking its signatures.
	verifyFileCost = 500
	// signatureCost: one SM2 signature made or checked (encrypted identifiers, verification).
	signatureCost = 10
	// codeImageCost: encoding and rendering a QR or Grid Matrix picture.
	codeImageCost = 100
	// fileLinkCost: minting a signed download link and auditing it.
	fileLinkCost = 5
)

// ExpensiveRootFields are the root fields an operation may not repeat under
// many aliases (see gqllimits.Aliases): aggregates, searches, file
// verification and picture rendering.
var ExpensiveRootFields = []string{"statistics", "searchCertificates", "accessRecords", "verifyByFile", "codeImage"}

// expectedPage is how many elements a listing's cost assumes: first when
// positive, else the listing's default page size.
func expectedPage(first *int, def int) int {
	if first != nil && *first > 0 {
		return *first
	}
	return def
}

// ComplexityVariableArgs are the arguments the cost functions below read
// (gqllimits.Complexity computes an operation again for each request only
// when it passes one of these, or has @skip or @include). A cost function
// that starts reading another argument must name it here.
var ComplexityVariableArgs = []string{"first"}

// Complexity returns the cost functions of the graph's list fields and of
// its aggregate, search, signing and verification fields.
func Complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Holder.Certificates = func(child int, _ models.UseFor, _ *string) int { return 1 + child*certificatesPerHolder }
	c.Certificate.Surfaces = func(child int) int { return 1 + child*surfacesPerCert }
	c.Certificate.EncryptedID = func(child int) int { return signatureCost + child }
	c.Certificate.FileLink = func(child int) int { return fileLinkCost + child }
	c.Query.Certificates = func(child int, _ string, _, _, _ *string, _ models.UseFor) int {
		return 1 + child*certificatesPerHolder
	}
	c.Query.EncryptedIds = func(child int, _ string, _, _ *string, _ *models.UseFor) int {
		return 1 + (signatureCost+child)*certificatesPerHolder
	}
	c.Query.SearchCertificates = func(child int, _ *model.CertificateFilter, _ models.UseFor, first *int, _ *string) int {
		return searchCost + child*expectedPage(first, searchPage)
	}
	c.Query.AccessRecords = func(child int, _ *model.AccessRecordFilter, first *int, _ *string) int {
		return accessRecordsCost + child*expectedPage(first, auditPage)
	}
	c.Query.Statistics = func(child int, _ *model.CertificateFilter) int { return statisticsCost + child }
	c.Query.VerifyByFile = func(child int, _ models.FileFormat, _ string) int { return verifyFileCost + child }
	c.Query.VerifyByFields = func(child int, _ model.VerifyFieldsInput) int { return signatureCost + child }
	c.Query.VerifyEncryptedID = func(child int, _ string) int { return signatureCost + child }
	c.Query.CertificateByEncryptedID = func(child int, _ string, _ models.UseFor) int { return signatureCost + child }
	c.Query.CodeImage = func(child int, _ string, _ *models.CodeType) int { return codeImageCost + child }
	return c
}
