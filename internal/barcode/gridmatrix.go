package barcode

// Grid Matrix (GB/T 27766-2011, also AIMD014) encoder.
//
// The bit stream, mode selection, version/level selection, Reed-Solomon
// blocks and module placement follow the standard and are made to agree
// module for module with zint (backend/gridmtx.c), the reference encoder,
// including zint's minimal-cost mode selection so that the same input gives
// the same symbol.
//
// zint releases up to 2.16 have two encodation defects that zint fixed
// afterwards (commit 4e534c3a, "GRIDMATRIX: fix byte latch 6 -> 7, & allowing
// more than one non-digit in numeral"):
//   - a byte-mode latch at the very start of the data was written as 0110
//     instead of 0111;
//   - numeral mode could be chosen for a run with two non-digits ("2.2.0"),
//     whose numeral blocks then decode with extra zero digits.
// GridMatrix encodes correctly (as fixed zint does). GMConfig.ZintLegacy
// reproduces the defects; it exists only so tests can compare with the zint
// that distributions ship (Debian has 2.11.1).

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Grid Matrix limits.
const (
	// GMMinVersion and GMMaxVersion bound the Grid Matrix version (layers).
	GMMinVersion = 1
	GMMaxVersion = 13
	// GMMinLevel and GMMaxLevel bound the Grid Matrix error-correction level.
	GMMinLevel = 1
	GMMaxLevel = 5
	// gmMaxBits is the bit-stream length of 1313 codewords, the largest symbol.
	gmMaxBits = 1313 * 7
)

// GMConfig selects how GridMatrixWith encodes.
type GMConfig struct {
	// Level is the error-correction level 1–5; 0 chooses as zint does (5 for
	// version 1, 4 for versions 2–3, else 3). Versions 1 and 2 cannot carry
	// levels below 4 and 2; a lower level is raised, as zint does.
	Level int
	// Version is the symbol version 1–13 (size 18+12·(v-1) modules); 0
	// picks the smallest version zint would choose. With an explicit
	// version the level is lowered (not below the version's minimum) when
	// the data would not fit otherwise, as zint does.
	Version int
	// ZintLegacy reproduces the encodation defects of zint ≤ 2.16 (see the
	// file comment). Only for comparing with those zint builds; symbols made
	// with it can decode to different data.
	ZintLegacy bool
}

// GridMatrix encodes payload as a Grid Matrix symbol at the given
// error-correction level (1–5, 0 = automatic) and version (1–13,
// 0 = automatic). See GridMatrixWith for how the payload is interpreted.
func GridMatrix(payload []byte, level, version int) (*Matrix, error) {
	return GridMatrixWith(payload, GMConfig{Level: level, Version: version})
}

// GridMatrixWith encodes payload as a Grid Matrix symbol.
//
// A payload that is UTF-8 text made only of ASCII and GB 2312 characters is
// converted to GB 2312, Grid Matrix's default character set, and Chinese
// characters use the Chinese-character mode (as zint does by default). Any
// other payload is put in byte mode behind an ECI designator: ECI 26 (UTF-8)
// for other UTF-8 text, ECI 899 (binary) for bytes that are not UTF-8 (as
// zint does with --eci=26 / --eci=899).
func GridMatrixWith(payload []byte, cfg GMConfig) (*Matrix, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: nothing to put in the Grid Matrix code", ErrEmptyPayload)
	}
	if cfg.Level != 0 && (cfg.Level < GMMinLevel || cfg.Level > GMMaxLevel) {
		return nil, fmt.Errorf("%w: Grid Matrix level %d, allowed %d–%d or 0 for automatic", ErrInvalidLevel, cfg.Level, GMMinLevel, GMMaxLevel)
	}
	if cfg.Version != 0 && (cfg.Version < GMMinVersion || cfg.Version > GMMaxVersion) {
		return nil, fmt.Errorf("%w: Grid Matrix version %d, allowed %d–%d or 0 for automatic", ErrInvalidVersion, cfg.Version, GMMinVersion, GMMaxVersion)
	}
	chars, eci := gmChars(payload)
	bits, err := gmBitStream(chars, eci, cfg.ZintLegacy)
	if err != nil {
		return nil, &TooLongError{Kind: GM, Level: cfg.Level, Version: cfg.Version, Need: (len(bits) + 6) / 7, Max: gmMaxBits / 7, Unit: "codewords", Detail: err.Error()}
	}
	dataCW := len(bits) / 7
	version, level, err := gmChooseSize(dataCW, cfg.Level, cfg.Version)
	if err != nil {
		return nil, err
	}
	cws := gmCodewords(bits, version, level)
	m := gmPlace(cws, version, level)
	return m, nil
}

// gmChars converts the payload to the encoder's character values: bytes
// 0–255, or 0xA1A1–0xF7FE for a GB 2312 double-byte character. It also
// returns the ECI to announce (0 for none, i.e. GB 2312).
func gmChars(payload []byte) ([]uint32, int) {
	out := make([]uint32, 0, len(payload))
	if utf8.Valid(payload) {
		enc := simplifiedchinese.GBK.NewEncoder()
		var buf [8]byte
		ok := true
		for _, r := range string(payload) {
			if r < 0x80 {
				out = append(out, uint32(r))
				continue
			}
			code, good := gb2312Code(enc.Bytes, r, buf[:0])
			if !good {
				ok = false
				break
			}
			out = append(out, code)
		}
		if ok {
			return out, 0
		}
		out = out[:0]
		for _, b := range payload {
			out = append(out, uint32(b))
		}
		return out, 26
	}
	for _, b := range payload {
		out = append(out, uint32(b))
	}
	return out, 899
}

// gb2312Code returns the GB 2312 (EUC-CN) code of r, using the GBK encoder
// and keeping only codes in GB 2312's own area (rows 1–9 and 16–87), so
// GBK extensions and user-defined areas are refused.
func gb2312Code(encode func([]byte) ([]byte, error), r rune, scratch []byte) (uint32, bool) {
	if r >= 0xE000 && r <= 0xF8FF { // private use: GBK maps user-defined areas here
		return 0, false
	}
	b, err := encode(utf8.AppendRune(scratch, r))
	if err != nil || len(b) != 2 {
		return 0, false
	}
	c1, c2 := b[0], b[1]
	if c2 < 0xA1 || c2 > 0xFE || !((c1 >= 0xA1 && c1 <= 0xA9) || (c1 >= 0xB0 && c1 <= 0xF7)) {
		return 0, false
	}
	return uint32(c1)<<8 | uint32(c2), true
}

// Encoding modes. gmModeNone is the state before the first character.
const (
	gmModeNone = iota
	gmChinese
	gmNumeral
	gmLower
	gmUpper
	gmMixed
	gmByte
	gmEOD // pseudo-mode: the end-of-data designator
)

// gmSwitch[from][to-1] is the designator that leaves mode from for mode to
// (GB/T 27766 Table 9), gmSwitchLen its bit length; row gmEOD holds the
// end-of-data designator of each mode.
var (
	gmSwitch = [8][6]uint16{
		gmModeNone: {1, 2, 3, 4, 5, 7},
		gmChinese:  {0, 8161, 8162, 8163, 8164, 8165},
		gmNumeral:  {1019, 0, 1020, 1021, 1022, 1023},
		gmLower:    {28, 29, 0, 30, 124, 126},
		gmUpper:    {28, 29, 30, 0, 124, 126},
		gmMixed:    {1009, 1010, 1011, 1012, 0, 1015},
		gmByte:     {1, 2, 3, 4, 5, 0},
		gmEOD:      {8160, 1018, 27, 27, 1008, 0},
	}
	gmSwitchLen = [8][6]uint8{
		gmModeNone: {4, 4, 4, 4, 4, 4},
		gmChinese:  {0, 13, 13, 13, 13, 13},
		gmNumeral:  {10, 0, 10, 10, 10, 10},
		gmLower:    {5, 5, 0, 5, 7, 7},
		gmUpper:    {5, 5, 5, 0, 7, 7},
		gmMixed:    {10, 10, 10, 10, 0, 10},
		gmByte:     {4, 4, 4, 4, 4, 0},
		gmEOD:      {13, 10, 5, 5, 10, 4},
	}
)

// bitWriter accumulates a bit stream, one byte (0 or 1) per bit.
type bitWriter struct{ bits []byte }

// put appends the low n bits of v, most significant first.
func (w *bitWriter) put(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		w.bits = append(w.bits, byte(v>>uint(i)&1))
	}
}

// putAt overwrites n bits at position pos with v.
func (w *bitWriter) putAt(pos int, v uint32, n int) {
	for i := 0; i < n; i++ {
		w.bits[pos+i] = byte(v >> uint(n-1-i) & 1)
	}
}

func isDigit(c uint32) bool { return c >= '0' && c <= '9' }
func isLower(c uint32) bool { return c >= 'a' && c <= 'z' }
func isUpper(c uint32) bool { return c >= 'A' && c <= 'Z' }

// gmNumeralPunct returns the index of a non-digit allowed inside a numeral
// block (space + - . ,), or -1.
func gmNumeralPunct(c uint32) int {
	switch c {
	case ' ':
		return 0
	case '+':
		return 1
	case '-':
		return 2
	case '.':
		return 3
	case ',':
		return 4
	}
	return -1
}

// gmControlValue is the 6-bit value of a control/punctuation character in
// the shift set (GB/T 27766 Table 7): 0–31 are C0 controls, 32–63 the ASCII
// punctuation in code order.
func gmControlValue(c uint32) uint32 {
	switch {
	case c < ' ':
		return c
	case c < '0':
		return c - 1 // '!' (33) → 32
	case c < 'A':
		return c - 11 // ':' (58) → 47
	case c < 'a':
		return c - 37 // '[' (91) → 54 ... '`' (96) → 59
	default:
		return c - 63 // '{' (123) → 60 ... '~' (126) → 63
	}
}

// gmBitStream builds the padded data bit stream (a multiple of 7 bits).
func gmBitStream(chars []uint32, eci int, legacy bool) ([]byte, error) {
	w := &bitWriter{bits: make([]byte, 0, 64+len(chars)*8)}
	if eci != 0 {
		w.put(12, 4) // ECI designator
		switch {
		case eci <= 1023:
			w.put(uint32(eci), 11)
		case eci <= 32767:
			w.put(2, 2)
			w.put(uint32(eci), 15)
		default:
			w.put(3, 2)
			w.put(uint32(eci), 20)
		}
	}
	modes := gmDefineModes(chars, legacy)

	cur := gmModeNone
	numeralCnt, numeralPadPos := 0, 0
	byteCnt, byteCntPos := 0, 0
	n := len(chars)
	for sp := 0; sp < n; {
		next := int(modes[sp])
		prev := cur
		if next != cur {
			switch cur {
			case gmByte:
				w.putAt(byteCntPos, uint32(byteCnt-1), 9)
				byteCnt = 0
			case gmNumeral:
				gmSetNumeralPad(w, numeralPadPos, numeralCnt)
			}
			v, l := uint32(gmSwitch[cur][next-1]), int(gmSwitchLen[cur][next-1])
			if legacy && cur == gmModeNone && next == gmByte {
				v = 6
			}
			w.put(v, l)
			cur = next
		}
		c := chars[sp]
		switch cur {
		case gmChinese:
			switch {
			case c > 0xFF:
				c1, c2 := c>>8, c&0xFF
				if c1 <= 0xA9 {
					w.put(0x60*(c1-0xA1)+(c2-0xA0), 13)
				} else {
					w.put(0x60*(c1-0xB0+9)+(c2-0xA0), 13)
				}
			case sp+1 < n && c == 13 && chars[sp+1] == 10:
				w.put(7776, 13) // CR LF
				sp++
			case sp+1 < n && isDigit(c) && isDigit(chars[sp+1]):
				w.put(8033+10*(c-'0')+(chars[sp+1]-'0'), 13)
				sp++
			default:
				w.put(7777+c, 13)
			}
			sp++
		case gmNumeral:
			if prev != cur {
				numeralPadPos = len(w.bits)
				w.put(0, 2) // pad count, filled in when the run ends
			}
			numeralCnt = 0
			var digits [3]uint32
			punct, punctPos := uint32(0), -1
			for {
				c := chars[sp]
				if isDigit(c) {
					digits[numeralCnt] = c - '0'
					numeralCnt++
				} else if p := gmNumeralPunct(c); p >= 0 {
					if punctPos >= 0 {
						break
					}
					punct, punctPos = uint32(p)*3, numeralCnt
				} else if sp+1 < n && c == 13 && chars[sp+1] == 10 {
					if punctPos >= 0 {
						break
					}
					punct, punctPos = 15, numeralCnt
					sp++
				} else {
					break
				}
				sp++
				if numeralCnt >= 3 || sp >= n || modes[sp] != gmNumeral {
					break
				}
			}
			if punctPos >= 0 {
				w.put(1000+punct+uint32(punctPos), 10)
			}
			w.put(100*digits[0]+10*digits[1]+digits[2], 10)
		case gmByte:
			if prev != cur {
				byteCntPos = len(w.bits)
				w.put(0, 9) // byte count, filled in when the run ends
			}
			if byteCnt == 512 || (c > 0xFF && byteCnt == 511) {
				// A byte run holds at most 512 bytes: close it and open another.
				if c > 0xFF { // split the double-byte character across the runs
					w.put(c>>8, 8)
					c &= 0xFF
					byteCnt++
				}
				w.putAt(byteCntPos, uint32(byteCnt-1), 9)
				w.put(7, 4)
				byteCntPos = len(w.bits)
				w.put(0, 9)
				byteCnt = 0
			}
			if c > 0xFF {
				w.put(c, 16)
				byteCnt += 2
			} else {
				w.put(c, 8)
				byteCnt++
			}
			sp++
		case gmMixed:
			switch {
			case c == ' ':
				w.put(62, 6)
			case isDigit(c):
				w.put(c-'0', 6)
			case isUpper(c):
				w.put(c-'A'+10, 6)
			case isLower(c):
				w.put(c-'a'+36, 6)
			default:
				w.put(1014, 10) // shift
				w.put(gmControlValue(c), 6)
			}
			sp++
		case gmUpper, gmLower:
			switch {
			case c == ' ':
				w.put(26, 5)
			case cur == gmUpper && isUpper(c):
				w.put(c-'A', 5)
			case cur == gmLower && isLower(c):
				w.put(c-'a', 5)
			default:
				w.put(125, 7) // shift
				w.put(gmControlValue(c), 6)
			}
			sp++
		}
		if len(w.bits) > gmMaxBits {
			return w.bits, fmt.Errorf("data stream exceeds %d bits after %d of %d characters", gmMaxBits, sp, n)
		}
	}
	switch cur {
	case gmByte:
		w.putAt(byteCntPos, uint32(byteCnt-1), 9)
	case gmNumeral:
		gmSetNumeralPad(w, numeralPadPos, numeralCnt)
	}
	w.put(uint32(gmSwitch[gmEOD][cur-1]), int(gmSwitchLen[gmEOD][cur-1]))
	if r := len(w.bits) % 7; r != 0 {
		w.put(0, 7-r)
	}
	if len(w.bits) > gmMaxBits {
		return w.bits, fmt.Errorf("data stream of %d bits exceeds %d", len(w.bits), gmMaxBits)
	}
	return w.bits, nil
}

// gmSetNumeralPad records how many pad digits the last numeral block got.
func gmSetNumeralPad(w *bitWriter, pos, cnt int) {
	if cnt > 0 {
		w.putAt(pos, uint32(3-cnt), 2)
	}
}

// Mode-selection costs are in sixths of a bit so averages stay integral.
const gmMult = 6

// Index of each mode in the cost arrays, and back.
const (
	gmIdxH = iota
	gmIdxN
	gmIdxL
	gmIdxU
	gmIdxM
	gmIdxB
	gmNumIdx
)

var gmIdxMode = [gmNumIdx]uint8{gmChinese, gmNumeral, gmLower, gmUpper, gmMixed, gmByte}

var (
	// gmHeadCost is the cost of entering each mode at the start (numeral
	// includes its 2-bit pad count, byte its 9-bit length).
	gmHeadCost = [gmNumIdx]uint32{4 * gmMult, (4 + 2) * gmMult, 4 * gmMult, 4 * gmMult, 4 * gmMult, (4 + 9) * gmMult}
	// gmSwitchCost[from][to] is the cost of switching modes.
	gmSwitchCost = [gmNumIdx][gmNumIdx]uint32{
		{0, (13 + 2) * gmMult, 13 * gmMult, 13 * gmMult, 13 * gmMult, (13 + 9) * gmMult},
		{10 * gmMult, 0, 10 * gmMult, 10 * gmMult, 10 * gmMult, (10 + 9) * gmMult},
		{5 * gmMult, (5 + 2) * gmMult, 0, 5 * gmMult, 7 * gmMult, (7 + 9) * gmMult},
		{5 * gmMult, (5 + 2) * gmMult, 5 * gmMult, 0, 7 * gmMult, (7 + 9) * gmMult},
		{10 * gmMult, (10 + 2) * gmMult, 10 * gmMult, 10 * gmMult, 0, (10 + 9) * gmMult},
		{4 * gmMult, (4 + 2) * gmMult, 4 * gmMult, 4 * gmMult, 4 * gmMult, 0},
	}
	// gmEODCost is the cost of the end-of-data designator in each mode.
	gmEODCost = [gmNumIdx]uint32{13 * gmMult, 10 * gmMult, 5 * gmMult, 5 * gmMult, 10 * gmMult, 4 * gmMult}
)

// gmNumeralState carries the numeral look-ahead between characters.
type gmNumeralState struct{ end, cost int }

// inNumeral reports whether chars[pos] can be in numeral mode and keeps the
// average per-character cost of the numeral block it belongs to.
func (st *gmNumeralState) inNumeral(chars []uint32, pos int, legacy bool) bool {
	if pos < st.end {
		return true
	}
	n := len(chars)
	i, digits, nondigit, nondigitPos := pos, 0, 0, 0
scan:
	for ; i < n && i < pos+4 && digits < 3; i++ {
		c := chars[i]
		switch {
		case isDigit(c):
			digits++
		case gmNumeralPunct(c) >= 0:
			if nondigit != 0 {
				if legacy {
					break scan
				}
				st.end = 0
				return false
			}
			nondigit, nondigitPos = 1, i
		case i+1 < n && c == 13 && chars[i+1] == 10:
			if nondigit != 0 {
				if legacy {
					break scan
				}
				st.end = 0
				return false
			}
			i++
			nondigit, nondigitPos = 2, i
		default:
			break scan
		}
	}
	if digits == 0 {
		st.end = 0
		return false
	}
	if nondigit != 0 && nondigitPos == i-1 { // a non-digit cannot end the block
		nondigit = 0
	}
	st.end = pos + digits + nondigit
	// Cost per character: a block is 10 bits (+10 for the non-digit).
	switch digits {
	case 3:
		st.cost = [3]int{20, 30, 24}[nondigit]
	case 2:
		st.cost = [3]int{30, 40, 30}[nondigit]
	default:
		st.cost = [3]int{60, 60, 40}[nondigit]
	}
	return true
}

// gmDefineModes chooses the mode of every character so that the total bit
// length is minimal, by dynamic programming over the six modes (the same
// cost model and tie-breaking as zint, so symbols agree).
func gmDefineModes(chars []uint32, legacy bool) []uint8 {
	n := len(chars)
	// from[i][j]: mode in which chars[i] is encoded on the cheapest path that
	// ends character i in mode index j (0 = not possible).
	from := make([][gmNumIdx]uint8, n)
	prev := gmHeadCost
	var num gmNumeralState
	byteCount := 0
	for i, c := range chars {
		var cur [gmNumIdx]uint32
		var space, digit, lower, upper, control, doubleDigit, eol bool
		doubleByte := c > 0xFF
		if !doubleByte {
			space = c == ' '
			if !space {
				digit = isDigit(c)
				if !digit {
					lower = isLower(c)
					if !lower {
						upper = isUpper(c)
						if !upper {
							control = c < 0x7F
							eol = control && i+1 < n && c == 13 && chars[i+1] == 10
						}
					}
				} else if i+1 < n {
					doubleDigit = isDigit(chars[i+1])
				}
			}
		}
		fm := &from[i]

		// Chinese mode can encode anything; digit pairs and CR LF take one glyph.
		if doubleDigit || eol {
			cur[gmIdxH] = prev[gmIdxH] + 39
		} else {
			cur[gmIdxH] = prev[gmIdxH] + 78
		}
		fm[gmIdxH] = gmChinese

		// Byte mode can encode anything; a run holds at most 512 bytes.
		if byteCount == 512 || (doubleByte && byteCount == 511) {
			cur[gmIdxB] = gmHeadCost[gmIdxB]
			if doubleByte && byteCount == 511 {
				cur[gmIdxB] += 8 * gmMult
				doubleByte = false
			}
			byteCount = 0
		}
		if doubleByte {
			cur[gmIdxB] += prev[gmIdxB] + 16*gmMult
			byteCount += 2
		} else {
			cur[gmIdxB] += prev[gmIdxB] + 8*gmMult
			byteCount++
		}
		fm[gmIdxB] = gmByte

		if num.inNumeral(chars, i, legacy) {
			cur[gmIdxN] = prev[gmIdxN] + uint32(num.cost)
			fm[gmIdxN] = gmNumeral
		}

		if control {
			cur[gmIdxL] = prev[gmIdxL] + (7+6)*gmMult
			fm[gmIdxL] = gmLower
			cur[gmIdxU] = prev[gmIdxU] + (7+6)*gmMult
			fm[gmIdxU] = gmUpper
			cur[gmIdxM] = prev[gmIdxM] + (10+6)*gmMult
			fm[gmIdxM] = gmMixed
		} else {
			if lower || space {
				cur[gmIdxL] = prev[gmIdxL] + 5*gmMult
				fm[gmIdxL] = gmLower
			}
			if upper || space {
				cur[gmIdxU] = prev[gmIdxU] + 5*gmMult
				fm[gmIdxU] = gmUpper
			}
			if digit || lower || upper || space {
				cur[gmIdxM] = prev[gmIdxM] + 6*gmMult
				fm[gmIdxM] = gmMixed
			}
		}

		if i == n-1 {
			for j := range cur {
				if fm[j] != 0 {
					cur[j] += gmEODCost[j]
				}
			}
		}

		// Switching after this character. Updated in place, in this order,
		// because that is what zint does and ties must resolve the same way.
		for j := 0; j < gmNumIdx; j++ {
			for k := 0; k < gmNumIdx; k++ {
				if j != k && fm[k] != 0 {
					cost := cur[k] + gmSwitchCost[k][j]
					if fm[j] == 0 || cost < cur[j] {
						cur[j] = cost
						fm[j] = gmIdxMode[k]
					}
				}
			}
		}
		prev = cur
	}

	best := 0
	for j := 1; j < gmNumIdx; j++ {
		if prev[j] < prev[best] {
			best = j
		}
	}
	modes := make([]uint8, n)
	mode := gmIdxMode[best]
	for i := n - 1; i >= 0; i-- {
		mode = from[i][gmModeIdx(mode)]
		modes[i] = mode
	}
	return modes
}

// gmModeIdx is the cost-array index of mode.
func gmModeIdx(mode uint8) int { return int(mode) - gmChinese }
