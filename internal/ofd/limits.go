package ofd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
)

// Limits are the budgets Verify and Seal spend on one untrusted OFD package.
// A package that needs more is refused with a *LimitError naming the budget:
// a zip bomb or an XML flood must not cost the process its memory or its CPU.
// The zero value of a field means its default (DefaultLimits).
type Limits struct {
	// MaxEntries bounds the files in the zip archive. Default 10,000.
	MaxEntries int
	// MaxEntrySize bounds one decompressed file. Default 32 MiB.
	MaxEntrySize int64
	// MaxTotalSize bounds the decompressed bytes read out of the package in
	// total, counting a file again each time verification reads it (so it
	// bounds work as well as memory). Default 64 MiB.
	MaxTotalSize int64
	// MaxXMLSize bounds one XML part (OFD.xml, Signatures.xml,
	// Signature.xml, Document.xml). Default 4 MiB.
	MaxXMLSize int64
	// MaxXMLDepth bounds the nesting of elements in an XML part. Default 256.
	MaxXMLDepth int
	// MaxXMLTokens bounds the start and end tags read from all XML parts
	// of the package together. Default 1,000,000.
	MaxXMLTokens int
	// MaxXMLAttrs bounds the attributes of one element. Default 256.
	MaxXMLAttrs int
	// MaxSignatures bounds the signatures listed by the package. Default 64.
	MaxSignatures int
}

// DefaultLimits are the budgets used for zero fields of Limits. XML
// document type declarations (and with them entity definitions, the
// "billion laughs") are always refused: OFD does not use them.
var DefaultLimits = Limits{
	MaxEntries:    10_000,
	MaxEntrySize:  32 << 20,
	MaxTotalSize:  64 << 20,
	MaxXMLSize:    4 << 20,
	MaxXMLDepth:   256,
	MaxXMLTokens:  1_000_000,
	MaxXMLAttrs:   256,
	MaxSignatures: 64,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	def := func(v *int, dv int) {
		if *v <= 0 {
			*v = dv
		}
	}
	def64 := func(v *int64, dv int64) {
		if *v <= 0 {
			*v = dv
		}
	}
	def(&l.MaxEntries, d.MaxEntries)
	def64(&l.MaxEntrySize, d.MaxEntrySize)
	def64(&l.MaxTotalSize, d.MaxTotalSize)
	def64(&l.MaxXMLSize, d.MaxXMLSize)
	def(&l.MaxXMLDepth, d.MaxXMLDepth)
	def(&l.MaxXMLTokens, d.MaxXMLTokens)
	def(&l.MaxXMLAttrs, d.MaxXMLAttrs)
	def(&l.MaxSignatures, d.MaxSignatures)
	return l
}

// ErrLimit is wrapped by every *LimitError.
var ErrLimit = errors.New("ofd: package exceeds a parsing budget")

// LimitError is the refusal of a package that exceeds one of the Limits.
type LimitError struct {
	Budget string // the Limits field, e.g. "MaxTotalSize", or "DTD"
	Max    int64  // its value
	Where  string // what was being read when the budget ran out
}

// Error implements error.
func (e *LimitError) Error() string {
	if e.Budget == "DTD" {
		return fmt.Sprintf("ofd: package refused: %s has a document type declaration (OFD uses none; entity definitions are refused)", e.Where)
	}
	return fmt.Sprintf("ofd: package refused: %s: over the %s budget of %d", e.Where, e.Budget, e.Max)
}

// Unwrap makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Unwrap() error { return ErrLimit }

// unmarshal decodes the XML part name into v after checkXML, so that
// encoding/xml only sees parts within the XML budgets. A budget error is
// also kept in p.err: it refuses the whole package.
func (p *pkg) unmarshal(name string, raw []byte, v any) error {
	if err := p.checkXML(name, raw); err != nil {
		return err
	}
	return xml.Unmarshal(raw, v)
}

// checkXML scans an XML part without recursing and refuses one that is too
// large, too deep, has too many tags or attributes, or declares a DTD.
// Malformed XML is left to encoding/xml, which reports it.
func (p *pkg) checkXML(name string, b []byte) error {
	lim := p.lim
	fail := func(e *LimitError) error {
		if p.err == nil {
			p.err = e
		}
		return e
	}
	where := "/" + name
	if int64(len(b)) > lim.MaxXMLSize {
		return fail(&LimitError{Budget: "MaxXMLSize", Max: lim.MaxXMLSize, Where: fmt.Sprintf("XML part %s (%d bytes)", where, len(b))})
	}
	depth := 0
	skipTo := func(i int, end string) int {
		j := bytes.Index(b[i:], []byte(end))
		if j < 0 {
			return len(b)
		}
		return i + j + len(end)
	}
	for i := 0; i < len(b); {
		if b[i] != '<' {
			i++
			continue
		}
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipTo(i+4, "-->")
			continue
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skipTo(i+9, "]]>")
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			return fail(&LimitError{Budget: "DTD", Where: "XML part " + where})
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skipTo(i+2, "?>")
			continue
		}
		p.xmlTokens++
		if p.xmlTokens > lim.MaxXMLTokens {
			return fail(&LimitError{Budget: "MaxXMLTokens", Max: int64(lim.MaxXMLTokens), Where: "the XML tags of the package (at " + where + ")"})
		}
		end := len(rest) > 1 && rest[1] == '/'
		// Find the closing '>' outside quoted attribute values, counting attributes.
		attrs, j := 0, i+1
		var quote byte
		for ; j < len(b); j++ {
			c := b[j]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '=' {
				attrs++
			} else if c == '>' {
				break
			}
		}
		if attrs > lim.MaxXMLAttrs {
			return fail(&LimitError{Budget: "MaxXMLAttrs", Max: int64(lim.MaxXMLAttrs), Where: "the attributes of one element of " + where})
		}
		switch {
		case end:
			depth--
		case j < len(b) && b[j-1] == '/':
		default:
			depth++
			if depth > lim.MaxXMLDepth {
				return fail(&LimitError{Budget: "MaxXMLDepth", Max: int64(lim.MaxXMLDepth), Where: "the element nesting of " + where})
			}
		}
		i = j + 1
	}
	return nil
}
