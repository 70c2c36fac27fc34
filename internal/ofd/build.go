package ofd

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
)

// Document is the content of a certificate rendering: a title (the
// certificate name) followed by one "name: value" line per surface item (照面).
type Document struct {
	// Title is the certificate name printed at the top of the first page.
	Title string
	// Lines are the surface items, printed in order below the title.
	Lines []Line
	// Created is the creation date written to OFD.xml; zero means now.
	Created time.Time
}

// Line is one surface item (照面项) of a certificate: a label and its value.
type Line struct {
	Name  string
	Value string
}

// ErrInvalidDocument is wrapped by every *FieldError that Build returns.
var ErrInvalidDocument = errors.New("ofd: invalid document")

// FieldError reports which field of a Document is unusable and why.
type FieldError struct {
	Field  string // e.g. "Title" or "Lines[2].Name"
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("ofd: invalid document: %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidDocument) true.
func (e *FieldError) Unwrap() error { return ErrInvalidDocument }

// Page geometry in millimetres (OFD's unit): A4 portrait.
const (
	pageW      = 210.0
	pageH      = 297.0
	margin     = 20.0
	titleSize  = 7.0 // ≈ 20 pt
	bodySize   = 4.2 // ≈ 12 pt
	lineHeight = 7.0
	titleGap   = 14.0
	fontName   = "宋体"
	fontFamily = "SimSun"
)

// Object IDs fixed by the layout; page, layer and text IDs are allocated after them.
const fontID = 1

// textLine is one positioned text object before serialisation.
type textLine struct {
	x, y, size float64
	text       string
}

// Build renders doc as an OFD package (a ZIP holding OFD.xml, Doc_0/Document.xml,
// Doc_0/PublicRes.xml and one Content.xml per page). Text uses the standard
// font 宋体 (SimSun), which is referenced, not embedded. Long values are wrapped
// and overflowing lines continue on further pages.
func Build(doc Document) ([]byte, error) {
	if err := validateDocument(doc); err != nil {
		return nil, err
	}
	pages := layout(doc)

	id := fontID
	next := func() int { id++; return id }
	type pageOut struct {
		id      int
		content string
	}
	var outs []pageOut
	for _, lines := range pages {
		pid := next()
		layer := next()
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		b.WriteString(`<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content>`)
		fmt.Fprintf(&b, `<ofd:Layer ID="%d">`, layer)
		for _, l := range lines {
			dx := deltaX(l.text, l.size)
			w := 0.0
			for _, d := range dx {
				w += d
			}
			w += charWidth(lastRune(l.text), l.size)
			fmt.Fprintf(&b, `<ofd:TextObject ID="%d" Boundary="%s %s %s %s" Font="%d" Size="%s">`,
				next(), num(l.x), num(l.y), num(w), num(l.size*1.25), fontID, num(l.size))
			b.WriteString(`<ofd:FillColor Value="0 0 0"/>`)
			fmt.Fprintf(&b, `<ofd:TextCode X="0" Y="%s"`, num(l.size))
			if len(dx) > 0 {
				parts := make([]string, len(dx))
				for i, d := range dx {
					parts[i] = num(d)
				}
				fmt.Fprintf(&b, ` DeltaX="%s"`, strings.Join(parts, " "))
			}
			fmt.Fprintf(&b, `>%s</ofd:TextCode></ofd:TextObject>`, esc(l.text))
		}
		b.WriteString(`</ofd:Layer></ofd:Content></ofd:Page>`)
		outs = append(outs, pageOut{pid, b.String()})
	}

	created := doc.Created
	if created.IsZero() {
		created = time.Now()
	}
	// DocID is derived from the content so one certificate always gets one ID.
	h := sm3.New()
	h.Write([]byte(doc.Title))
	for _, l := range doc.Lines {
		h.Write([]byte{0})
		h.Write([]byte(l.Name))
		h.Write([]byte{0})
		h.Write([]byte(l.Value))
	}
	docID := hex.EncodeToString(h.Sum(nil)[:16])

	files := map[string][]byte{}
	var order []string
	put := func(name, content string) {
		files[name] = []byte(content)
		order = append(order, name)
	}
	put("OFD.xml", `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>`+
		`<ofd:DocID>`+docID+`</ofd:DocID>`+
		`<ofd:Title>`+esc(doc.Title)+`</ofd:Title>`+
		`<ofd:CreationDate>`+created.Format("2006-01-02")+`</ofd:CreationDate>`+
		`<ofd:Creator>certgraph</ofd:Creator>`+
		`</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`)
	var d strings.Builder
	d.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	d.WriteString(`<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData>`)
	fmt.Fprintf(&d, `<ofd:MaxUnitID>%d</ofd:MaxUnitID>`, id)
	fmt.Fprintf(&d, `<ofd:PageArea><ofd:PhysicalBox>0 0 %s %s</ofd:PhysicalBox><ofd:ApplicationBox>0 0 %s %s</ofd:ApplicationBox></ofd:PageArea>`,
		num(pageW), num(pageH), num(pageW), num(pageH))
	d.WriteString(`<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>`)
	for i, p := range outs {
		fmt.Fprintf(&d, `<ofd:Page ID="%d" BaseLoc="Pages/Page_%d/Content.xml"/>`, p.id, i)
	}
	d.WriteString(`</ofd:Pages></ofd:Document>`)
	put("Doc_0/Document.xml", d.String())
	put("Doc_0/PublicRes.xml", `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res"><ofd:Fonts>`+
		fmt.Sprintf(`<ofd:Font ID="%d" FontName="%s" FamilyName="%s"/>`, fontID, fontName, fontFamily)+
		`</ofd:Fonts></ofd:Res>`)
	for i, p := range outs {
		put(fmt.Sprintf("Doc_0/Pages/Page_%d/Content.xml", i), p.content)
	}
	return writeZip(nil, files, order)
}

// validateDocument rejects documents that cannot be rendered faithfully.
func validateDocument(doc Document) error {
	if strings.TrimSpace(doc.Title) == "" {
		return &FieldError{"Title", "must not be empty"}
	}
	if err := checkText(doc.Title, false); err != nil {
		return &FieldError{"Title", err.Error()}
	}
	for i, l := range doc.Lines {
		if strings.TrimSpace(l.Name) == "" {
			return &FieldError{fmt.Sprintf("Lines[%d].Name", i), "must not be empty"}
		}
		if err := checkText(l.Name, false); err != nil {
			return &FieldError{fmt.Sprintf("Lines[%d].Name", i), err.Error()}
		}
		if err := checkText(l.Value, true); err != nil {
			return &FieldError{fmt.Sprintf("Lines[%d].Value", i), err.Error()}
		}
	}
	return nil
}

// checkText rejects text that XML 1.0 cannot carry or that would not print.
func checkText(s string, allowNewline bool) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for i, r := range s {
		if r == '\n' && allowNewline {
			continue
		}
		if r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF {
			return fmt.Errorf("control character %U at byte %d", r, i)
		}
	}
	return nil
}

// layout places the title and lines on as many pages as needed.
func layout(doc Document) [][]textLine {
	maxW := pageW - 2*margin
	var pages [][]textLine
	var cur []textLine
	y := margin
	// The title is centred; a title wider than the text area wraps like any line.
	for _, seg := range wrap(strings.TrimSpace(doc.Title), titleSize, maxW) {
		x := margin + (maxW-textWidth(seg, titleSize))/2
		cur = append(cur, textLine{x: x, y: y, size: titleSize, text: seg})
		y += titleSize * 1.6
	}
	y += titleGap - titleSize*1.6 + lineHeight
	for _, l := range doc.Lines {
		var segs []string
		for i, part := range strings.Split(l.Value, "\n") {
			text := part
			if i == 0 {
				text = strings.TrimSpace(l.Name) + ": " + part
			}
			segs = append(segs, wrap(text, bodySize, maxW)...)
		}
		for _, seg := range segs {
			if y+lineHeight > pageH-margin {
				pages = append(pages, cur)
				cur = nil
				y = margin
			}
			cur = append(cur, textLine{x: margin, y: y, size: bodySize, text: seg})
			y += lineHeight
		}
	}
	return append(pages, cur)
}

// wrap splits text into pieces no wider than maxW at the given font size.
func wrap(text string, size, maxW float64) []string {
	var out []string
	var cur []rune
	w := 0.0
	for _, r := range text {
		cw := charWidth(r, size)
		if w+cw > maxW && len(cur) > 0 {
			out = append(out, string(cur))
			cur, w = nil, 0
		}
		cur = append(cur, r)
		w += cw
	}
	if len(cur) > 0 || len(out) == 0 {
		out = append(out, string(cur))
	}
	return out
}

// charWidth is the advance of r in a CJK font such as 宋体: full width for
// ideographs and full-width forms, half width for Latin and digits.
func charWidth(r rune, size float64) float64 {
	switch {
	case r == 0:
		return 0
	case r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
		(r >= 0xFFE0 && r <= 0xFFE6) || r >= 0x20000):
		return size
	default:
		return size / 2
	}
}

// textWidth is the total advance of s.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += charWidth(r, size)
	}
	return w
}

// deltaX gives the OFD DeltaX list: the advance from each glyph to the next.
func deltaX(s string, size float64) []float64 {
	rs := []rune(s)
	if len(rs) < 2 {
		return nil
	}
	out := make([]float64, len(rs)-1)
	for i := range out {
		out[i] = charWidth(rs[i], size)
	}
	return out
}

// lastRune returns the final rune of s, or 0 for "".
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	if r == utf8.RuneError {
		return 0
	}
	return r
}

// num formats a millimetre value compactly (at most 3 decimals).
func num(v float64) string {
	return strconv.FormatFloat(float64(int64(v*1000+0.5))/1000, 'f', -1, 64)
}
