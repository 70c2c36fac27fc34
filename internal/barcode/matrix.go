package barcode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// Matrix is the module grid of one square symbol, without quiet zone.
type Matrix struct {
	Kind    Kind     // symbology that produced the matrix
	Size    int      // modules per side
	Version int      // symbol version (QR 1–40, GM 1–13)
	Level   int      // error-correction level actually used (GM may raise a too-low level, as zint does)
	Modules [][]bool // Modules[row][col] is true for a dark module
}

// newMatrix allocates an all-light size×size matrix.
func newMatrix(kind Kind, size int) *Matrix {
	m := &Matrix{Kind: kind, Size: size, Modules: make([][]bool, size)}
	cells := make([]bool, size*size) // one backing array: fewer allocations
	for r := range m.Modules {
		m.Modules[r] = cells[r*size : (r+1)*size : (r+1)*size]
	}
	return m
}

// String renders the matrix as rows of '1' (dark) and '0' (light), one line per row.
func (m *Matrix) String() string {
	var b bytes.Buffer
	b.Grow(m.Size * (m.Size + 1))
	for _, row := range m.Modules {
		for _, dark := range row {
			if dark {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Image draws the matrix with scale pixels per module and a quiet zone of
// quiet modules on each side: black modules on white, as a two-colour
// paletted image (so PNG writes it with 1 bit per pixel).
func (m *Matrix) Image(scale, quiet int) (*image.Paletted, error) {
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("%w: scale %d pixels per module, allowed 1–%d", ErrInvalidOption, scale, MaxScale)
	}
	if quiet < 0 || quiet > MaxQuietZone {
		return nil, fmt.Errorf("%w: quiet zone %d modules, allowed 0–%d", ErrInvalidOption, quiet, MaxQuietZone)
	}
	side := (m.Size + 2*quiet) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	// Index 0 is white, so the fresh image is already all quiet zone.
	for r, row := range m.Modules {
		y0 := (r + quiet) * scale
		for c, dark := range row {
			if !dark {
				continue
			}
			x0 := (c + quiet) * scale
			for y := y0; y < y0+scale; y++ {
				line := img.Pix[y*img.Stride+x0 : y*img.Stride+x0+scale]
				for i := range line {
					line[i] = 1
				}
			}
		}
	}
	return img, nil
}

// PNG encodes the matrix as PNG bytes; see Image for the layout.
func (m *Matrix) PNG(scale, quiet int) ([]byte, error) {
	img, err := m.Image(scale, quiet)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("barcode: PNG encoding: %w", err)
	}
	return buf.Bytes(), nil
}
