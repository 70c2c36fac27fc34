package pdfdoc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Document is the content of a certificate's layout file: its title (the
// certificate name) and one "name: value" line per surface (照面) item.
type Document struct {
	Title string
	Lines []Line
	// Created, when non-zero, is written as the PDF CreationDate. Left zero,
	// Build is deterministic: the same Document gives the same bytes.
	Created time.Time
}

// Line is one surface item printed as "Name: Value".
type Line struct {
	Name  string
	Value string
}

// Page geometry in PDF points (A4) and text sizes.
const (
	pageWidth    = 595.28
	pageHeight   = 841.89
	margin       = 56.69 // 2 cm
	titleSize    = 20.0
	titleLeading = 30.0
	bodySize     = 12.0
	bodyLeading  = 20.0
	titleGap     = 16.0 // extra space between title and first line
)

// substituteRune replaces characters the UCS-2 encoding cannot carry
// (outside the Basic Multilingual Plane, e.g. rare CJK Extension B names).
// U+3013 GETA MARK 〓 is the customary visible stand-in for a missing
// character in Chinese typesetting and is in GB 2312, so STSong-Light draws it.
const substituteRune = '\u3013'

// Build writes a one-or-more-page A4 PDF showing doc.Title centred at the top
// and each line as "Name: Value", wrapped to the page width. Text is set in
// the non-embedded CID font STSong-Light (Adobe-GB1) with the UniGB-UCS2-H
// encoding; characters outside the BMP are drawn as 〓 (U+3013). Build checks
// that the title and every line name are non-empty and that all text is
// valid UTF-8; an error is a *FieldError naming the field.
func Build(doc Document) ([]byte, error) {
	if err := validate(doc); err != nil {
		return nil, err
	}
	pages := layout(doc)

	var w pdfWriter
	w.header()
	// Fixed objects: 1 catalog, 2 page tree, 3 Type0 font, 4 CIDFont,
	// 5 font descriptor, 6 ToUnicode CMap, 7 info; then page/content pairs.
	const firstPageObj = 8
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPageObj+2*i)
	}
	w.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.object(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	w.object(3, "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>")
	// CIDs 1–95 are the proportional Latin glyphs that UniGB-UCS2-H maps
	// U+0020–U+007E to; without the font's own metrics they are declared
	// half-width (500), everything else full-width (DW 1000). Viewers scale
	// their substitute glyphs to these widths, so the layout is stable.
	w.object(4, "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"+
		" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >>"+
		" /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>")
	w.object(5, "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6"+
		" /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120"+
		" /CapHeight 880 /StemV 93 >>")
	w.stream(6, "", toUnicodeCMap(pages))
	info := "<< /Title " + textString(doc.Title) + " /Producer (certgraph pdfdoc)"
	if !doc.Created.IsZero() {
		info += " /CreationDate (" + pdfDate(doc.Created) + ")"
	}
	w.object(7, info+" >>")
	for i, p := range pages {
		pageObj := firstPageObj + 2*i
		w.object(pageObj, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s]"+
			" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>",
			num(pageWidth), num(pageHeight), pageObj+1))
		w.stream(pageObj+1, "", p.content())
	}
	w.trailer(1, 7)
	return w.buf.Bytes(), nil
}

func validate(doc Document) error {
	if !utf8.ValidString(doc.Title) {
		return &FieldError{Field: "Title", Reason: "not valid UTF-8"}
	}
	if strings.TrimSpace(doc.Title) == "" {
		return &FieldError{Field: "Title", Reason: "empty (the certificate name is required)"}
	}
	for i, l := range doc.Lines {
		field := fmt.Sprintf("Lines[%d]", i)
		if !utf8.ValidString(l.Name) {
			return &FieldError{Field: field + ".Name", Reason: "not valid UTF-8"}
		}
		if !utf8.ValidString(l.Value) {
			return &FieldError{Field: field + ".Value", Reason: "not valid UTF-8"}
		}
		if strings.TrimSpace(l.Name) == "" {
			return &FieldError{Field: field + ".Name", Reason: "empty (every surface item needs a name)"}
		}
	}
	return nil
}

// glyph is one character as drawn: its 2-byte code and advance width in
// thousandths of the font size.
type glyph struct {
	code  uint16
	width int
}

// encode maps text to UCS-2 codes: control characters become spaces (a line
// is drawn on one baseline), characters beyond the BMP become 〓.
func encode(s string) []glyph {
	out := make([]glyph, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			r = ' '
		case r > 0xffff:
			r = substituteRune
		}
		w := 1000
		if r >= 0x20 && r <= 0x7e {
			w = 500
		}
		out = append(out, glyph{code: uint16(r), width: w})
	}
	return out
}

func widthOf(gs []glyph, size float64) float64 {
	total := 0
	for _, g := range gs {
		total += g.width
	}
	return float64(total) * size / 1000
}

// wrap breaks glyphs greedily into pieces no wider than first (for the first
// piece) and rest (for the others). Chinese has no spaces, so any character
// boundary is a break point.
func wrap(gs []glyph, size, first, rest float64) [][]glyph {
	var out [][]glyph
	limit := first
	for len(gs) > 0 {
		w, n := 0.0, 0
		for n < len(gs) {
			gw := float64(gs[n].width) * size / 1000
			if n > 0 && w+gw > limit {
				break
			}
			w += gw
			n++
		}
		out = append(out, gs[:n])
		gs = gs[n:]
		limit = rest
	}
	return out
}

// textRun is one piece of text at an absolute position.
type textRun struct {
	x, y, size float64
	glyphs     []glyph
}

type page struct{ runs []textRun }

func (p page) content() []byte {
	var b bytes.Buffer
	b.WriteString("BT\n")
	size := -1.0
	for _, r := range p.runs {
		if r.size != size {
			fmt.Fprintf(&b, "/F1 %s Tf\n", num(r.size))
			size = r.size
		}
		fmt.Fprintf(&b, "1 0 0 1 %s %s Tm\n<", num(r.x), num(r.y))
		for _, g := range r.glyphs {
			fmt.Fprintf(&b, "%04X", g.code)
		}
		b.WriteString("> Tj\n")
	}
	b.WriteString("ET\n")
	return b.Bytes()
}

// layout places the title and lines on as many pages as they need.
func layout(doc Document) []page {
	usable := pageWidth - 2*margin
	pages := []page{{}}
	y := pageHeight - margin - titleSize
	place := func(x, size, leading float64, gs []glyph) {
		if y < margin {
			pages = append(pages, page{})
			y = pageHeight - margin - size
		}
		cur := &pages[len(pages)-1]
		cur.runs = append(cur.runs, textRun{x: x, y: y, size: size, glyphs: gs})
		y -= leading
	}
	for _, piece := range wrap(encode(strings.TrimSpace(doc.Title)), titleSize, usable, usable) {
		place(margin+(usable-widthOf(piece, titleSize))/2, titleSize, titleLeading, piece)
	}
	y -= titleGap
	for _, l := range doc.Lines {
		label := encode(strings.TrimSpace(l.Name) + ": ")
		// Continuation lines hang under the value, unless the label is so
		// long that this would leave too little room.
		indent := widthOf(label, bodySize)
		if indent > usable/2 {
			indent = 2 * bodySize
		}
		text := append(label, encode(l.Value)...)
		for i, piece := range wrap(text, bodySize, usable, usable-indent) {
			x := margin
			if i > 0 {
				x += indent
			}
			place(x, bodySize, bodyLeading, piece)
		}
	}
	return pages
}

// toUnicodeCMap maps every code back to itself as Unicode (the codes are
// UCS-2), so text extraction does not depend on the reader having the
// Adobe-GB1 CID-to-Unicode tables. Only the 256-code blocks in use are listed.
func toUnicodeCMap(pages []page) []byte {
	used := map[uint16]bool{}
	for _, p := range pages {
		for _, r := range p.runs {
			for _, g := range r.glyphs {
				used[g.code>>8] = true
			}
		}
	}
	hi := make([]int, 0, len(used))
	for h := range used {
		hi = append(hi, int(h))
	}
	sort.Ints(hi)

	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(hi) > 0 {
		n := min(len(hi), 100) // a bfrange section holds at most 100 entries
		fmt.Fprintf(&b, "%d beginbfrange\n", n)
		for _, h := range hi[:n] {
			fmt.Fprintf(&b, "<%02X00> <%02XFF> <%02X00>\n", h, h, h)
		}
		b.WriteString("endbfrange\n")
		hi = hi[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// pdfWriter accumulates a classic (xref table) PDF file and the byte offset
// of every object for the cross-reference table.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets map[int]int
}

func (w *pdfWriter) header() {
	w.offsets = map[int]int{}
	// The binary comment tells transfer tools the file is not plain text.
	w.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
}

func (w *pdfWriter) object(n int, body string) {
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

func (w *pdfWriter) stream(n int, extra string, data []byte) {
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n<< /Length %d%s >>\nstream\n", n, len(data), extra)
	w.buf.Write(data)
	w.buf.WriteString("\nendstream\nendobj\n")
}

func (w *pdfWriter) trailer(root, info int) {
	size := len(w.offsets) + 1
	// The file identifier is derived from the content, keeping Build
	// deterministic while still distinguishing different documents.
	sum := sha256.Sum256(w.buf.Bytes())
	id := hex.EncodeToString(sum[:16])
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", size)
	for n := 1; n < size; n++ {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", w.offsets[n])
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		size, root, info, id, id, xref)
}

// textString encodes a PDF text string (for the Info dictionary) as
// UTF-16BE with a byte-order mark, in hex so no escaping is needed.
// Characters beyond the BMP are kept here as surrogate pairs.
func textString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, r := range s {
		if r > 0xffff {
			r -= 0x10000
			fmt.Fprintf(&b, "%04X%04X", 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			continue
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	b.WriteString(">")
	return b.String()
}

// pdfDate formats t as a PDF date string: D:YYYYMMDDHHmmSS+HH'mm'.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}
