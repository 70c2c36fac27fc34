package barcode

import "fmt"

// Grid Matrix symbol tables (GB/T 27766-2011 Tables 3 and A.1), indexed by
// version-1 (and level-1).
var (
	// gmRecommendCW is the data capacity zint uses to pick the version
	// automatically (the level-3 capacity).
	gmRecommendCW = [13]int{9, 30, 59, 114, 170, 237, 315, 405, 506, 618, 741, 875, 1021}
	// gmDataCW[v][l] is the number of data codewords of version v+1 at level l+1
	// (0 where the level is not available).
	gmDataCW = [13][5]int{
		{0, 15, 13, 11, 9},
		{45, 40, 35, 30, 25},
		{89, 79, 69, 59, 49},
		{146, 130, 114, 98, 81},
		{218, 194, 170, 146, 121},
		{305, 271, 237, 203, 169},
		{405, 360, 315, 270, 225},
		{521, 463, 405, 347, 289},
		{650, 578, 506, 434, 361},
		{794, 706, 618, 530, 441},
		{953, 847, 741, 635, 529},
		{1125, 1000, 875, 750, 625},
		{1313, 1167, 1021, 875, 729},
	}
	// gmBlockLen is the length n1 of the longer Reed-Solomon blocks; the
	// shorter ones are n1-1 long.
	gmBlockLen = [13]int{18, 50, 98, 81, 121, 113, 113, 116, 121, 126, 118, 125, 122}
	// gmLongBlocks and gmShortBlocks are the numbers of blocks of n1 and n1-1 codewords.
	gmLongBlocks  = [13]int{1, 1, 1, 2, 2, 2, 2, 3, 2, 7, 5, 10, 6}
	gmShortBlocks = [13]int{0, 0, 0, 0, 0, 1, 2, 2, 4, 0, 4, 0, 6}
	// gmECC[v][l] = {e1, b3, e2}: the first b3 blocks carry e1 check
	// codewords, the others e2.
	gmECC = [13][5][3]int{
		{{0, 0, 0}, {3, 1, 0}, {5, 1, 0}, {7, 1, 0}, {9, 1, 0}},
		{{5, 1, 0}, {10, 1, 0}, {15, 1, 0}, {20, 1, 0}, {25, 1, 0}},
		{{9, 1, 0}, {19, 1, 0}, {29, 1, 0}, {39, 1, 0}, {49, 1, 0}},
		{{8, 2, 0}, {16, 2, 0}, {24, 2, 0}, {32, 2, 0}, {41, 1, 40}},
		{{12, 2, 0}, {24, 2, 0}, {36, 2, 0}, {48, 2, 0}, {61, 1, 60}},
		{{11, 3, 0}, {23, 1, 22}, {34, 2, 33}, {45, 3, 0}, {57, 1, 56}},
		{{12, 1, 11}, {23, 2, 22}, {34, 3, 33}, {45, 4, 0}, {57, 1, 56}},
		{{12, 2, 11}, {23, 5, 0}, {35, 3, 34}, {47, 1, 46}, {58, 4, 57}},
		{{12, 6, 0}, {24, 6, 0}, {36, 6, 0}, {48, 6, 0}, {61, 1, 60}},
		{{13, 4, 12}, {26, 1, 25}, {38, 5, 37}, {51, 2, 50}, {63, 7, 0}},
		{{12, 6, 11}, {24, 4, 23}, {36, 2, 35}, {47, 9, 0}, {59, 7, 58}},
		{{13, 5, 12}, {25, 10, 0}, {38, 5, 37}, {50, 10, 0}, {63, 5, 62}},
		{{13, 1, 12}, {25, 3, 24}, {37, 5, 36}, {49, 7, 48}, {61, 9, 60}},
	}
)

// gmMinLevel is the lowest level a version can carry (version 1 has no
// room for levels 1–3, version 2 none for level 1).
func gmMinLevel(version int) int {
	switch version {
	case 1:
		return 4
	case 2:
		return 2
	}
	return 1
}

// gmCapacity is the number of data codewords of version at level.
func gmCapacity(version, level int) int { return gmDataCW[version-1][level-1] }

// gmChooseSize picks version and level for dataCW data codewords following
// zint's rules: the smallest version whose level-3 capacity holds the data
// (or the requested one); level as requested, raised to the version's
// minimum, or zint's default for the version; then, with an explicit
// version, the level is lowered as far as the version's minimum, and with
// an automatic one the version grows, until the data fits.
func gmChooseSize(dataCW, reqLevel, reqVersion int) (version, level int, err error) {
	if reqVersion != 0 {
		version = reqVersion
		if dataCW > gmCapacity(version, gmMinLevel(version)) {
			return 0, 0, &TooLongError{Kind: GM, Level: reqLevel, Version: reqVersion, Need: dataCW,
				Max: gmCapacity(version, gmMinLevel(version)), Unit: "data codewords",
				Detail: fmt.Sprintf("version %d holds at most %d at its lowest level %d", version, gmCapacity(version, gmMinLevel(version)), gmMinLevel(version))}
		}
	} else {
		version = GMMaxVersion
		for v := GMMaxVersion - 1; v >= GMMinVersion; v-- {
			if gmRecommendCW[v-1] >= dataCW {
				version = v
			}
		}
	}
	switch {
	case version == 1:
		level = 5
	case version <= 3:
		level = 4
	default:
		level = 3
	}
	if reqLevel != 0 {
		level = max(reqLevel, gmMinLevel(version))
	}
	if dataCW <= gmCapacity(version, level) {
		return version, level, nil
	}
	if reqVersion != 0 {
		for level > gmMinLevel(version) && dataCW > gmCapacity(version, level) {
			level--
		}
		return version, level, nil // fits: checked against the minimum level above
	}
	for version < GMMaxVersion && dataCW > gmCapacity(version, level) {
		version++
	}
	if dataCW > gmCapacity(version, level) {
		// zint would quietly lower the level here; a caller asking for a
		// level gets an error instead.
		if reqLevel != 0 {
			return 0, 0, &TooLongError{Kind: GM, Level: reqLevel, Need: dataCW, Max: gmCapacity(GMMaxVersion, level), Unit: "data codewords",
				Detail: fmt.Sprintf("version %d at level %d is the largest symbol", GMMaxVersion, level)}
		}
		for level > 1 && dataCW > gmCapacity(version, level) {
			level--
		}
		if dataCW > gmCapacity(version, level) {
			return 0, 0, &TooLongError{Kind: GM, Level: level, Need: dataCW, Max: gmCapacity(GMMaxVersion, 1), Unit: "data codewords",
				Detail: fmt.Sprintf("version %d at level 1 is the largest symbol", GMMaxVersion)}
		}
	}
	return version, level, nil
}

// gf128 holds exp/log tables of GF(2^7) with primitive polynomial
// x^7 + x^3 + 1 (0x89), the Grid Matrix Reed-Solomon field.
var gf128Exp, gf128Log = func() (exp [254]uint8, log [128]uint8) {
	x := 1
	for i := 0; i < 127; i++ {
		exp[i], exp[i+127] = uint8(x), uint8(x)
		log[x] = uint8(i)
		x <<= 1
		if x&0x80 != 0 {
			x ^= 0x89
		}
	}
	return
}()

// gmGenerator returns the coefficients (highest degree first, leading 1
// omitted) of the generator polynomial ∏_{i=1..n}(x - α^i).
func gmGenerator(n int) []uint8 {
	g := make([]uint8, n+1) // g[0] is the x^n coefficient
	g[0] = 1
	for i := 1; i <= n; i++ {
		root := gf128Exp[i%127]
		// Multiply by (x + root): new[j] = g[j] + root*g[j-1], highest first.
		for j := i; j >= 1; j-- {
			g[j] ^= gfMul(g[j-1], root)
		}
	}
	return g[1:]
}

func gfMul(a, b uint8) uint8 {
	if a == 0 || b == 0 {
		return 0
	}
	return gf128Exp[int(gf128Log[a])+int(gf128Log[b])]
}

// gmCodewords splits the data into Reed-Solomon blocks, appends each
// block's check codewords and interleaves the blocks column-wise.
func gmCodewords(bits []byte, version, level int) []uint8 {
	v, l := version-1, level-1
	total := gmDataCW[v][l]
	data := make([]uint8, total)
	nData := len(bits) / 7
	for i := 0; i < nData; i++ {
		var cw uint8
		for _, b := range bits[i*7 : i*7+7] {
			cw = cw<<1 | b
		}
		data[i] = cw
	}
	// Pad codewords: 0 right after the data, then alternately 0x7E and 0
	// (odd positions 0x7E).
	for i := nData + 1; i < total; i++ {
		if i&1 == 1 {
			data[i] = 0x7E
		}
	}

	n1, b1, b2 := gmBlockLen[v], gmLongBlocks[v], gmShortBlocks[v]
	e1, b3, e2 := gmECC[v][l][0], gmECC[v][l][1], gmECC[v][l][2]
	blocks := b1 + b2
	macros := 1 + 2*version
	out := make([]uint8, 2*macros*macros)
	gens := map[int][]uint8{}
	pos := 0
	for b := 0; b < blocks; b++ {
		size := n1
		if b >= b1 {
			size = n1 - 1
		}
		ecc := e2
		if b < b3 {
			ecc = e1
		}
		dataLen := size - ecc
		block := make([]uint8, size)
		copy(block, data[pos:pos+dataLen])
		pos += dataLen
		gen, ok := gens[ecc]
		if !ok {
			gen = gmGenerator(ecc)
			gens[ecc] = gen
		}
		// Polynomial division: the remainder lands in block[dataLen:].
		rem := block[dataLen:]
		for _, d := range block[:dataLen] {
			f := d ^ rem[0]
			copy(rem, rem[1:])
			rem[len(rem)-1] = 0
			if f != 0 {
				for k, g := range gen {
					rem[k] ^= gfMul(g, f)
				}
			}
		}
		for j := 0; j < size; j++ {
			out[blocks*j+b] = block[j]
		}
	}
	return out
}

// gmMacroIndex is the position of the macromodule at (row, col) in the
// spiral that carries codeword pairs: 0 at the centre, then rings outwards,
// each ring starting right of its top-left corner and running clockwise.
func gmMacroIndex(row, col, centre int) int {
	dy, dx := row-centre, col-centre
	r := max(dy, -dy, dx, -dx)
	if r == 0 {
		return 0
	}
	base := (2*r - 1) * (2*r - 1)
	switch {
	case dy == -r && dx > -r: // top edge, left to right
		return base + dx + r - 1
	case dx == r && dy > -r: // right edge, downwards
		return base + 2*r + dy + r - 1
	case dy == r && dx < r: // bottom edge, right to left
		return base + 4*r + r - 1 - dx
	default: // left edge, upwards
		return base + 6*r + r - 1 - dy
	}
}

// gmDataCells are the 14 data positions (row, col) inside a macromodule's
// 4×4 interior, in codeword bit order: the interior minus the two layer-ID
// cells at its top left.
var gmDataCells = [14][2]int{
	{0, 2}, {0, 3},
	{1, 0}, {1, 1}, {1, 2}, {1, 3},
	{2, 0}, {2, 1}, {2, 2}, {2, 3},
	{3, 0}, {3, 1}, {3, 2}, {3, 3},
}

// gmPlace lays codewords, layer IDs and macromodule frames out as modules.
func gmPlace(cws []uint8, version, level int) *Matrix {
	macros := 1 + 2*version
	size := 6 * macros
	m := newMatrix(GM, size)
	m.Version, m.Level = version, level
	centre := macros / 2
	for y := 0; y < macros; y++ {
		for x := 0; x < macros; x++ {
			idx := gmMacroIndex(y, x, centre)
			// Second codeword first: its 7 bits take the first 7 cells.
			word := uint16(cws[2*idx+1])<<7 | uint16(cws[2*idx])
			for k, cell := range gmDataCells {
				if word&(1<<(13-k)) != 0 {
					m.Modules[6*y+1+cell[0]][6*x+1+cell[1]] = true
				}
			}
			// Layer ID: ring number r (0 at the centre) in 2 bits.
			r := max(y-centre, centre-y, x-centre, centre-x)
			var id int
			if level == 1 {
				id = 3 - r%4
			} else {
				id = (r + 5 - level) % 4
			}
			m.Modules[6*y+1][6*x+1] = id&2 != 0
			m.Modules[6*y+1][6*x+2] = id&1 != 0
			// Frames on a checkerboard of macromodules, dark where x+y is even.
			if (x+y)%2 == 0 {
				for i := 0; i < 6; i++ {
					m.Modules[6*y][6*x+i] = true
					m.Modules[6*y+5][6*x+i] = true
					m.Modules[6*y+i][6*x] = true
					m.Modules[6*y+i][6*x+5] = true
				}
			}
		}
	}
	return m
}
