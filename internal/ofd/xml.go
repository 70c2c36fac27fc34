package ofd

import (
	"encoding/xml"
	"strings"
)

// The x* types read the parts of an OFD package this package needs. Tags use
// local names only, so any namespace prefix (ofd:, none, ...) is accepted.

// xOFD is OFD.xml, the package entry point.
type xOFD struct {
	DocBodies []xDocBody `xml:"DocBody"`
}

// xDocBody is one document of the package.
type xDocBody struct {
	DocRoot    string `xml:"DocRoot"`
	Signatures string `xml:"Signatures"`
}

// xSignatures is Signatures.xml, the list of a document's signatures.
type xSignatures struct {
	MaxSignID  string      `xml:"MaxSignId"`
	Signatures []xSigEntry `xml:"Signature"`
}

// xSigEntry is one Signature entry of Signatures.xml.
type xSigEntry struct {
	ID      string `xml:"ID,attr"`
	Type    string `xml:"Type,attr"`
	BaseLoc string `xml:"BaseLoc,attr"`
}

// xSignature is Signature.xml, the description of one signature.
type xSignature struct {
	SignedInfo  xSignedInfo `xml:"SignedInfo"`
	SignedValue string      `xml:"SignedValue"`
}

// xSignedInfo is what a signature covers.
type xSignedInfo struct {
	SignatureMethod   string      `xml:"SignatureMethod"`
	SignatureDateTime string      `xml:"SignatureDateTime"`
	Seal              *xSealLoc   `xml:"Seal"`
	References        xReferences `xml:"References"`
}

// xSealLoc points at the seal file (.esl) of a Seal signature.
type xSealLoc struct {
	BaseLoc string `xml:"BaseLoc"`
}

// xReferences lists the protected files and the digest method.
type xReferences struct {
	CheckMethod string       `xml:"CheckMethod,attr"`
	Refs        []xReference `xml:"Reference"`
}

// xReference is one protected file and its expected digest.
type xReference struct {
	FileRef    string `xml:"FileRef,attr"`
	CheckValue string `xml:"CheckValue"`
}

// xDocument is the part of Document.xml needed to place a stamp annotation.
type xDocument struct {
	Pages []xPage `xml:"Pages>Page"`
}

// xPage is one page entry of Document.xml.
type xPage struct {
	ID      string `xml:"ID,attr"`
	BaseLoc string `xml:"BaseLoc,attr"`
}

// esc escapes s for use in XML character data or a quoted attribute.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
