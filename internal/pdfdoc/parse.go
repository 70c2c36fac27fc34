package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
)

// This file is a small PDF object reader for untrusted files. It reads only
// what verification needs (the trailer, the document catalog and the
// signature fields), lazily, and spends at most the budgets of Limits:
// nesting is checked before each level is entered, every parsed value and
// cross-reference entry is counted, and inflated bytes are counted as they
// come out of the decompressor. github.com/digitorus/pdf, which recurses
// without a bound and allocates what the file declares, never sees such a file.

// PDF values: nil (null), bool, int64, float64, pdfName, pdfString,
// pdfArray, pdfDict, pdfRef and *pdfStream.
type (
	pdfName   string
	pdfString string
	pdfArray  []any
	pdfDict   map[pdfName]any
	pdfRef    struct{ num, gen int64 }
	pdfStream struct {
		dict  pdfDict
		start int // offset of the stream data in the file
	}
)

type tokKind int

const (
	tEOF tokKind = iota
	tInt
	tReal
	tName
	tString
	tKeyword
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
)

type token struct {
	kind tokKind
	i    int64
	s    string
}

// lexer tokenises PDF syntax in b from pos. It never recurses.
type lexer struct {
	b   []byte
	pos int
}

func isRegular(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isPDFSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

var errSyntax = errors.New("syntax error")

func (l *lexer) next() (token, error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return token{kind: tEOF}, nil
	}
	c := l.b[l.pos]
	l.pos++
	switch c {
	case '[':
		return token{kind: tArrOpen}, nil
	case ']':
		return token{kind: tArrClose}, nil
	case '{', '}':
		return token{kind: tKeyword, s: string(c)}, nil
	case '<':
		if l.pos < len(l.b) && l.b[l.pos] == '<' {
			l.pos++
			return token{kind: tDictOpen}, nil
		}
		return l.hexString()
	case '>':
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
			return token{kind: tDictClose}, nil
		}
		return token{}, fmt.Errorf("%w: stray '>' at byte %d", errSyntax, l.pos-1)
	case '(':
		return l.literalString()
	case '/':
		return l.name()
	case ')':
		return token{}, fmt.Errorf("%w: stray ')' at byte %d", errSyntax, l.pos-1)
	}
	start := l.pos - 1
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	word := string(l.b[start:l.pos])
	if n, err := strconv.ParseInt(word, 10, 64); err == nil {
		return token{kind: tInt, i: n}, nil
	}
	if _, err := strconv.ParseFloat(word, 64); err == nil && (c == '.' || c == '-' || c == '+' || c >= '0' && c <= '9') {
		return token{kind: tReal, s: word}, nil
	}
	return token{kind: tKeyword, s: word}, nil
}

func (l *lexer) hexString() (token, error) {
	var out []byte
	var hi int = -1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			if hi >= 0 {
				out = append(out, byte(hi<<4))
			}
			return token{kind: tString, s: string(out)}, nil
		}
		if isPDFSpace(c) {
			continue
		}
		v := unhexDigit(c)
		if v < 0 {
			return token{}, fmt.Errorf("%w: bad hex string digit at byte %d", errSyntax, l.pos-1)
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	return token{}, fmt.Errorf("%w: unterminated hex string", errSyntax)
}

func unhexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// literalString reads "(...)"; balanced parentheses nest, counted, not recursed.
func (l *lexer) literalString() (token, error) {
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return token{kind: tString, s: string(out)}, nil
			}
		case '\r':
			if l.pos < len(l.b) && l.b[l.pos] == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			if l.pos >= len(l.b) {
				continue
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return token{}, fmt.Errorf("%w: unterminated literal string", errSyntax)
}

func (l *lexer) name() (token, error) {
	var out []byte
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		c := l.b[l.pos]
		l.pos++
		if c == '#' && l.pos+1 < len(l.b) {
			if h, lo := unhexDigit(l.b[l.pos]), unhexDigit(l.b[l.pos+1]); h >= 0 && lo >= 0 {
				c = byte(h<<4 | lo)
				l.pos += 2
			}
		}
		out = append(out, c)
	}
	return token{kind: tName, s: string(out)}, nil
}

// xrefEntry locates object number n: at offset in the file, or as the
// idx-th object of object stream stm.
type xrefEntry struct {
	offset   int64
	stm, idx int64
	inStream bool
}

// objStream is a decompressed object stream: its data and object offsets.
type objStream struct {
	data  []byte
	first int64
	offs  []int64
}

// pdfParser reads one untrusted PDF within its Limits.
type pdfParser struct {
	b         []byte
	lim       Limits
	objects   int
	entries   int
	inflated  int64
	xref      map[int64]xrefEntry
	trailer   pdfDict
	cache     map[int64]any
	resolving map[int64]bool
	stms      map[int64]*objStream
}

func newParser(b []byte, lim Limits) *pdfParser {
	return &pdfParser{b: b, lim: lim.withDefaults(), xref: map[int64]xrefEntry{}, cache: map[int64]any{},
		resolving: map[int64]bool{}, stms: map[int64]*objStream{}}
}

func (p *pdfParser) limit(budget string, max int64, where string) error {
	return &LimitError{Budget: budget, Max: max, Where: where}
}

// value parses one value at the lexer's position; depth is the nesting of
// the arrays and dictionaries it is in.
func (p *pdfParser) value(l *lexer, depth int) (any, error) {
	p.objects++
	if p.objects > p.lim.MaxObjects {
		return nil, p.limit("MaxObjects", int64(p.lim.MaxObjects), "the number of PDF values")
	}
	t, err := l.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tEOF:
		return nil, fmt.Errorf("%w: unexpected end of file", errSyntax)
	case tInt:
		// "n g R" is a reference; look ahead two tokens and rewind if not.
		save := l.pos
		if t2, err := l.next(); err == nil && t2.kind == tInt {
			if t3, err := l.next(); err == nil && t3.kind == tKeyword && t3.s == "R" {
				return pdfRef{t.i, t2.i}, nil
			}
		}
		l.pos = save
		return t.i, nil
	case tReal:
		f, _ := strconv.ParseFloat(t.s, 64)
		return f, nil
	case tName:
		return pdfName(t.s), nil
	case tString:
		return pdfString(t.s), nil
	case tArrOpen, tDictOpen:
		if depth+1 > p.lim.MaxDepth {
			return nil, p.limit("MaxDepth", int64(p.lim.MaxDepth), fmt.Sprintf("the nesting of arrays and dictionaries at byte %d", l.pos))
		}
		if t.kind == tArrOpen {
			return p.array(l, depth+1)
		}
		return p.dict(l, depth+1)
	case tKeyword:
		switch t.s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, fmt.Errorf("%w: unexpected keyword %q at byte %d", errSyntax, t.s, l.pos)
	}
	return nil, fmt.Errorf("%w: unexpected delimiter at byte %d", errSyntax, l.pos)
}

func (p *pdfParser) array(l *lexer, depth int) (any, error) {
	var a pdfArray
	for {
		save := l.pos
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tArrClose {
			return a, nil
		}
		if t.kind == tEOF {
			return nil, fmt.Errorf("%w: unterminated array", errSyntax)
		}
		l.pos = save
		v, err := p.value(l, depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

func (p *pdfParser) dict(l *lexer, depth int) (any, error) {
	d := pdfDict{}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tDictClose:
			return d, nil
		case tName:
		case tEOF:
			return nil, fmt.Errorf("%w: unterminated dictionary", errSyntax)
		default:
			return nil, fmt.Errorf("%w: dictionary key is not a name at byte %d", errSyntax, l.pos)
		}
		v, err := p.value(l, depth)
		if err != nil {
			return nil, err
		}
		d[pdfName(t.s)] = v
	}
}

// indirect parses "num gen obj value [stream] endobj" at off.
func (p *pdfParser) indirect(off int64, want int64) (any, error) {
	if off < 0 || off >= int64(len(p.b)) {
		return nil, fmt.Errorf("%w: object offset %d outside the file", errSyntax, off)
	}
	l := &lexer{b: p.b, pos: int(off)}
	n, err := l.next()
	if err != nil {
		return nil, err
	}
	g, err := l.next()
	if err != nil {
		return nil, err
	}
	o, err := l.next()
	if err != nil {
		return nil, err
	}
	if n.kind != tInt || g.kind != tInt || o.kind != tKeyword || o.s != "obj" || (want >= 0 && n.i != want) {
		return nil, fmt.Errorf("%w: no object %d at byte %d", errSyntax, want, off)
	}
	v, err := p.value(l, 0)
	if err != nil {
		return nil, err
	}
	d, ok := v.(pdfDict)
	if !ok {
		return v, nil
	}
	save := l.pos
	if t, err := l.next(); err != nil || t.kind != tKeyword || t.s != "stream" {
		l.pos = save
		return d, nil
	}
	if l.pos < len(l.b) && l.b[l.pos] == '\r' {
		l.pos++
	}
	if l.pos < len(l.b) && l.b[l.pos] == '\n' {
		l.pos++
	}
	return &pdfStream{dict: d, start: l.pos}, nil
}

// resolve follows a reference to its object (nil if absent or cyclic).
func (p *pdfParser) resolve(v any) (any, error) {
	for hops := 0; hops < 8; hops++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v, nil
		}
		if c, ok := p.cache[r.num]; ok {
			v = c
			continue
		}
		if p.resolving[r.num] {
			return nil, nil
		}
		e, ok := p.xref[r.num]
		if !ok {
			return nil, nil
		}
		p.resolving[r.num] = true
		var obj any
		var err error
		if e.inStream {
			obj, err = p.fromObjStream(r.num, e)
		} else {
			obj, err = p.indirect(e.offset, r.num)
		}
		delete(p.resolving, r.num)
		if err != nil {
			return nil, err
		}
		p.cache[r.num] = obj
		v = obj
	}
	return nil, nil
}

// streamData returns the raw (still encoded) bytes of s.
func (p *pdfParser) streamData(s *pdfStream) ([]byte, error) {
	lv, err := p.resolve(s.dict["Length"])
	if err != nil {
		return nil, err
	}
	if n, ok := lv.(int64); ok && n >= 0 && int64(s.start)+n <= int64(len(p.b)) {
		return p.b[s.start : int64(s.start)+n], nil
	}
	// A wrong /Length is common: fall back to the endstream keyword.
	end := bytes.Index(p.b[s.start:], []byte("endstream"))
	if end < 0 {
		return nil, fmt.Errorf("%w: stream without endstream", errSyntax)
	}
	return bytes.TrimRight(p.b[s.start:s.start+end], "\r\n"), nil
}

// decode returns the decoded data of s, inflating within MaxDecompressed.
func (p *pdfParser) decode(s *pdfStream, what string) ([]byte, error) {
	raw, err := p.streamData(s)
	if err != nil {
		return nil, err
	}
	filter, err := p.resolve(s.dict["Filter"])
	if err != nil {
		return nil, err
	}
	parms, err := p.resolve(s.dict["DecodeParms"])
	if err != nil {
		return nil, err
	}
	if a, ok := filter.(pdfArray); ok && len(a) == 1 {
		filter = a[0]
		if pa, ok := parms.(pdfArray); ok && len(pa) == 1 {
			parms, _ = p.resolve(pa[0])
		}
	}
	switch filter {
	case nil:
		return raw, nil
	case pdfName("FlateDecode"):
	default:
		return nil, fmt.Errorf("%w: %s uses the unsupported filter %v", errSyntax, what, filter)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errSyntax, what, err)
	}
	left := p.lim.MaxDecompressed - p.inflated
	out, err := io.ReadAll(io.LimitReader(zr, left+1))
	p.inflated += int64(len(out))
	if int64(len(out)) > left {
		return nil, p.limit("MaxDecompressed", p.lim.MaxDecompressed, "the bytes inflated from "+what)
	}
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: %v", errSyntax, what, err)
	}
	if d, ok := parms.(pdfDict); ok {
		return unpredict(out, d)
	}
	return out, nil
}

// unpredict undoes a PNG predictor (/Predictor 10 to 15), as xref streams use.
func unpredict(data []byte, parms pdfDict) ([]byte, error) {
	pred, _ := parms["Predictor"].(int64)
	if pred < 10 {
		if pred > 1 {
			return nil, fmt.Errorf("%w: unsupported TIFF predictor", errSyntax)
		}
		return data, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := parms["Colors"].(int64); ok {
		colors = v
	}
	if v, ok := parms["BitsPerComponent"].(int64); ok {
		bpc = v
	}
	if v, ok := parms["Columns"].(int64); ok {
		columns = v
	}
	if colors < 1 || colors > 32 || bpc < 1 || bpc > 16 || columns < 1 || columns > 1<<20 {
		return nil, fmt.Errorf("%w: bad predictor parameters", errSyntax)
	}
	bpp := int((colors*bpc + 7) / 8)
	row := int((colors*bpc*columns + 7) / 8)
	prev := make([]byte, row)
	out := make([]byte, 0, len(data))
	for i := 0; i+1+row <= len(data); i += 1 + row {
		ft, cur := data[i], data[i+1:i+1+row]
		for j := range cur {
			var a, c byte
			if j >= bpp {
				a, c = cur[j-bpp], prev[j-bpp]
			}
			b := prev[j]
			switch ft {
			case 0:
			case 1:
				cur[j] += a
			case 2:
				cur[j] += b
			case 3:
				cur[j] += byte((int(a) + int(b)) / 2)
			case 4:
				cur[j] += paeth(a, b, c)
			default:
				return nil, fmt.Errorf("%w: bad PNG predictor row type %d", errSyntax, ft)
			}
		}
		out = append(out, cur...)
		copy(prev, cur)
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	pa, pb, pc := int(b)-int(c), int(a)-int(c), int(a)+int(b)-2*int(c)
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

// fromObjStream reads object num, the e.idx-th object of stream e.stm.
func (p *pdfParser) fromObjStream(num int64, e xrefEntry) (any, error) {
	os, ok := p.stms[e.stm]
	if !ok {
		se, ok := p.xref[e.stm]
		if !ok || se.inStream {
			return nil, nil
		}
		p.resolving[e.stm] = true
		v, err := p.indirect(se.offset, e.stm)
		delete(p.resolving, e.stm)
		if err != nil {
			return nil, err
		}
		s, ok := v.(*pdfStream)
		if !ok || s.dict["Type"] != pdfName("ObjStm") {
			return nil, fmt.Errorf("%w: object %d is not an object stream", errSyntax, e.stm)
		}
		data, err := p.decode(s, fmt.Sprintf("object stream %d", e.stm))
		if err != nil {
			return nil, err
		}
		n, _ := s.dict["N"].(int64)
		first, _ := s.dict["First"].(int64)
		if n < 0 || first < 0 || first > int64(len(data)) || n > int64(len(data)) {
			return nil, fmt.Errorf("%w: object stream %d has a bad header", errSyntax, e.stm)
		}
		os = &objStream{data: data, first: first}
		l := &lexer{b: data[:first]}
		for i := int64(0); i < n; i++ {
			p.objects += 2
			if p.objects > p.lim.MaxObjects {
				return nil, p.limit("MaxObjects", int64(p.lim.MaxObjects), "the number of PDF values")
			}
			a, err1 := l.next()
			b, err2 := l.next()
			if err1 != nil || err2 != nil || a.kind != tInt || b.kind != tInt {
				return nil, fmt.Errorf("%w: object stream %d has a bad header", errSyntax, e.stm)
			}
			os.offs = append(os.offs, b.i)
		}
		p.stms[e.stm] = os
	}
	if e.idx < 0 || e.idx >= int64(len(os.offs)) || os.first+os.offs[e.idx] >= int64(len(os.data)) || os.offs[e.idx] < 0 {
		return nil, nil
	}
	l := &lexer{b: os.data, pos: int(os.first + os.offs[e.idx])}
	return p.value(l, 0)
}

// readXref reads every cross-reference section from the last startxref
// back along /Prev, newest entries first, and keeps the newest trailer.
func (p *pdfParser) readXref() error {
	sx := bytes.LastIndex(p.b, []byte("startxref"))
	if sx < 0 {
		return fmt.Errorf("%w: no startxref", errSyntax)
	}
	l := &lexer{b: p.b, pos: sx + len("startxref")}
	t, err := l.next()
	if err != nil || t.kind != tInt {
		return fmt.Errorf("%w: startxref is not followed by an offset", errSyntax)
	}
	seen := map[int64]bool{}
	for off := t.i; ; {
		if seen[off] {
			return fmt.Errorf("%w: cross-reference sections loop at byte %d", errSyntax, off)
		}
		seen[off] = true
		trailer, err := p.section(off)
		if err != nil {
			return err
		}
		if p.trailer == nil {
			p.trailer = trailer
		}
		if x, ok := trailer["XRefStm"].(int64); ok && !seen[x] {
			seen[x] = true
			if _, err := p.section(x); err != nil {
				return err
			}
		}
		prev, ok := trailer["Prev"].(int64)
		if !ok {
			break
		}
		off = prev
	}
	return nil
}

// section reads the xref table or stream at off and returns its trailer.
func (p *pdfParser) section(off int64) (pdfDict, error) {
	if off < 0 || off >= int64(len(p.b)) {
		return nil, fmt.Errorf("%w: cross-reference offset %d outside the file", errSyntax, off)
	}
	l := &lexer{b: p.b, pos: int(off)}
	save := l.pos
	t, err := l.next()
	if err != nil {
		return nil, err
	}
	if t.kind == tKeyword && t.s == "xref" {
		return p.table(l)
	}
	l.pos = save
	v, err := p.indirect(off, -1)
	if err != nil {
		return nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, fmt.Errorf("%w: no cross-reference table or stream at byte %d", errSyntax, off)
	}
	return s.dict, p.xrefStream(s)
}

func (p *pdfParser) add(n int64, e xrefEntry) error {
	p.entries++
	if p.entries > p.lim.MaxXrefEntries {
		return p.limit("MaxXrefEntries", int64(p.lim.MaxXrefEntries), "the cross-reference entries")
	}
	if _, ok := p.xref[n]; !ok {
		p.xref[n] = e
	}
	return nil
}

func (p *pdfParser) table(l *lexer) (pdfDict, error) {
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tKeyword && t.s == "trailer" {
			break
		}
		c, err := l.next()
		if err != nil || t.kind != tInt || c.kind != tInt || t.i < 0 || c.i < 0 {
			return nil, fmt.Errorf("%w: malformed xref table", errSyntax)
		}
		for i := int64(0); i < c.i; i++ {
			o, err1 := l.next()
			g, err2 := l.next()
			k, err3 := l.next()
			if err1 != nil || err2 != nil || err3 != nil || o.kind != tInt || g.kind != tInt || k.kind != tKeyword || (k.s != "n" && k.s != "f") {
				return nil, fmt.Errorf("%w: malformed xref table entry", errSyntax)
			}
			e := xrefEntry{offset: o.i}
			if k.s == "f" {
				e.offset = -1
			}
			if err := p.add(t.i+i, e); err != nil {
				return nil, err
			}
		}
	}
	v, err := p.value(l, 0)
	if err != nil {
		return nil, err
	}
	d, ok := v.(pdfDict)
	if !ok {
		return nil, fmt.Errorf("%w: trailer is not a dictionary", errSyntax)
	}
	return d, nil
}

func (p *pdfParser) xrefStream(s *pdfStream) error {
	data, err := p.decode(s, "the cross-reference stream")
	if err != nil {
		return err
	}
	wa, _ := s.dict["W"].(pdfArray)
	if len(wa) != 3 {
		return fmt.Errorf("%w: xref stream /W is not three widths", errSyntax)
	}
	var w [3]int
	for i, x := range wa {
		n, ok := x.(int64)
		if !ok || n < 0 || n > 8 {
			return fmt.Errorf("%w: xref stream /W is not three widths of 0 to 8", errSyntax)
		}
		w[i] = int(n)
	}
	rowLen := w[0] + w[1] + w[2]
	if rowLen == 0 {
		return fmt.Errorf("%w: xref stream /W is all zero", errSyntax)
	}
	index, _ := s.dict["Index"].(pdfArray)
	if index == nil {
		size, _ := s.dict["Size"].(int64)
		index = pdfArray{int64(0), size}
	}
	field := func(b []byte, def int64) int64 {
		if len(b) == 0 {
			return def
		}
		var x int64
		for _, c := range b {
			x = x<<8 | int64(c)
		}
		return x
	}
	pos := 0
	for i := 0; i+1 < len(index); i += 2 {
		start, ok1 := index[i].(int64)
		n, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || start < 0 || n < 0 {
			return fmt.Errorf("%w: bad xref stream /Index", errSyntax)
		}
		for k := int64(0); k < n && pos+rowLen <= len(data); k++ {
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := field(row[:w[0]], 1)
			f2, f3 := field(row[w[0]:w[0]+w[1]], 0), field(row[w[0]+w[1]:], 0)
			var e xrefEntry
			switch typ {
			case 1:
				e = xrefEntry{offset: f2}
			case 2:
				e = xrefEntry{inStream: true, stm: f2, idx: f3}
			default:
				e = xrefEntry{offset: -1}
			}
			if err := p.add(start+k, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// pdfText decodes a text string: UTF-16BE with a byte order mark, else
// PDFDocEncoding (Latin-1 apart from a few code points in 0x80 to 0x9F).
func pdfText(v any) string {
	s, ok := v.(pdfString)
	if !ok {
		return ""
	}
	b := []byte(s)
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return string(b[3:])
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
		if c >= 0x80 && c < 0xA0 {
			r[i] = pdfDoc80[c-0x80]
		}
	}
	return string(r)
}

// pdfDoc80 is PDFDocEncoding from 0x80 to 0x9F (PDF 32000-1 Annex D).
var pdfDoc80 = [32]rune{
	0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044,
	0x2039, 0x203A, 0x2212, 0x2030, 0x201E, 0x201C, 0x201D, 0x2018,
	0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141, 0x0152, 0x0160,
	0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0xFFFD,
}

// checkBER walks the first BER/DER element of der without recursing and
// refuses one nested deeper than MaxDepth or with more than MaxASN1Elements
// elements, before github.com/digitorus/pkcs7 (which recurses) parses it.
// Syntax errors are left to the parser that follows: it stops at them.
func checkBER(der []byte, lim Limits) error {
	lim = lim.withDefaults()
	var ends []int // end offset of each open constructed element, -1 if indefinite
	pos, count := 0, 0
	for {
		for len(ends) > 0 {
			top := ends[len(ends)-1]
			if top >= 0 && pos >= top {
				ends = ends[:len(ends)-1]
				continue
			}
			if top < 0 && pos+1 < len(der) && der[pos] == 0 && der[pos+1] == 0 {
				pos += 2
				ends = ends[:len(ends)-1]
				continue
			}
			break
		}
		if (len(ends) == 0 && count > 0) || pos+2 > len(der) {
			return nil
		}
		count++
		if count > lim.MaxASN1Elements {
			return &LimitError{Budget: "MaxASN1Elements", Max: int64(lim.MaxASN1Elements), Where: "the elements of the CMS signature value"}
		}
		tag := der[pos]
		pos++
		if tag&0x1F == 0x1F {
			for pos < len(der) && der[pos] >= 0x80 {
				pos++
			}
			pos++
		}
		if pos >= len(der) {
			return nil
		}
		lb := der[pos]
		pos++
		length := -1
		switch {
		case lb < 0x80:
			length = int(lb)
		case lb == 0x80:
		default:
			nb := int(lb & 0x7F)
			if nb > 4 || pos+nb > len(der) {
				return nil
			}
			length = 0
			for k := 0; k < nb; k++ {
				length = length<<8 | int(der[pos+k])
			}
			pos += nb
		}
		if tag&0x20 == 0 {
			if length < 0 {
				return nil
			}
			pos += length
			continue
		}
		end := -1
		if length >= 0 {
			end = pos + length
		}
		ends = append(ends, end)
		if len(ends) > lim.MaxDepth {
			return &LimitError{Budget: "MaxDepth", Max: int64(lim.MaxDepth), Where: "the nesting of the CMS signature value"}
		}
	}
}
