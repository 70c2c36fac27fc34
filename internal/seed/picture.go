package seed

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"sync"
)

// Pictures are tiny paletted PNGs (a few hundred bytes) so that a million
// certificates stay small while every picture surface is a real image a
// browser or decoder can open.

// pngEncoder reuses its compressor between images: allocating a fresh
// zlib writer per picture would dominate generation time.
var pngEncoder = png.Encoder{CompressionLevel: png.BestCompression, BufferPool: &encoderPool{}}

// encoderPool is a png.EncoderBufferPool backed by a sync.Pool.
type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

func encodePNG(img image.Image) string {
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		// Encoding an in-memory paletted image cannot fail; if it ever does
		// the generator is broken, not the input.
		panic("seed: encode png: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// ID photo backgrounds (white, blue, red) and plausible skin, hair and
// clothing colours.
var (
	backgrounds = []color.RGBA{{255, 255, 255, 255}, {67, 142, 219, 255}, {200, 30, 40, 255}}
	skins       = []color.RGBA{{241, 204, 170, 255}, {225, 184, 150, 255}, {198, 155, 120, 255}}
	hairs       = []color.RGBA{{20, 20, 20, 255}, {60, 40, 30, 255}, {110, 110, 110, 255}}
	clothes     = []color.RGBA{{30, 30, 60, 255}, {240, 240, 240, 255}, {90, 20, 20, 255}, {40, 70, 40, 255}}
)

// pictures holds every portrait and couple photo encoded so far, by the
// draws that decide it: there are only about a thousand different ones, and
// encoding a PNG costs more than generating the rest of a certificate.
var pictures struct {
	sync.Mutex
	m map[[7]int]string
}

// picture returns the encoding of the picture keyed by k, drawing it with
// draw the first time.
func picture(k [7]int, draw func() image.Image) string {
	pictures.Lock()
	defer pictures.Unlock()
	if s, ok := pictures.m[k]; ok {
		return s
	}
	if pictures.m == nil {
		pictures.m = map[[7]int]string{}
	}
	s := encodePNG(draw())
	pictures.m[k] = s
	return s
}

// portrait draws a 24×32 ID-style head-and-shoulders picture whose colours
// and proportions come from r.
func portrait(r *rand.Rand) string {
	bg, skin, hair, cloth := r.IntN(len(backgrounds)), r.IntN(len(skins)), r.IntN(len(hairs)), r.IntN(len(clothes))
	size := r.IntN(3)
	fringe := 1 + r.IntN(3)
	return picture([7]int{0, bg, skin, hair, cloth, size, fringe}, func() image.Image {
		pal := color.Palette{backgrounds[bg], skins[skin], hairs[hair], clothes[cloth]}
		img := image.NewPaletted(image.Rect(0, 0, 24, 32), pal)
		drawFigure(img, 12, size, fringe)
		return img
	})
}

// couple draws a 40×28 wedding-registration photo: two figures on red.
func couple(r *rand.Rand) string {
	skin, hair := r.IntN(len(skins)), r.IntN(2)
	left := r.IntN(3)
	right := r.IntN(3)
	return picture([7]int{1, skin, hair, left, right}, func() image.Image {
		pal := color.Palette{color.RGBA{200, 30, 40, 255}, skins[skin], hairs[hair], color.RGBA{245, 245, 245, 255}}
		img := image.NewPaletted(image.Rect(0, 0, 40, 28), pal)
		drawFigure(img, 12, left, 1)
		drawFigure(img, 28, right, 3)
		return img
	})
}

// drawFigure paints a head (skin, index 1), hair (2) and shoulders (3)
// centred at column cx; size varies the head by a pixel or two and hair
// the fringe height.
func drawFigure(img *image.Paletted, cx, size, hair int) {
	b := img.Bounds()
	h := b.Dy()
	hw, hh := 5+size/2, 7+size/2 // head half-width and half-height
	cy := h*2/5 - 1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dx, dy := float64(x-cx)/float64(hw), float64(y-cy)/float64(hh)
			switch {
			case dx*dx+dy*dy <= 1:
				if y < cy-hh+hair+2 {
					img.SetColorIndex(x, y, 2)
				} else {
					img.SetColorIndex(x, y, 1)
				}
			case y > cy+hh && math.Abs(float64(x-cx)) <= float64(hw+2+(y-cy-hh)):
				img.SetColorIndex(x, y, 3)
			}
		}
	}
}

// seal draws a 40×40 red official seal: a ring, a five-pointed star and a
// band of "characters" (dots placed by r) along the ring.
func seal(r *rand.Rand) string {
	pal := color.Palette{color.RGBA{255, 255, 255, 0}, color.RGBA{214, 0, 0, 255}}
	img := image.NewPaletted(image.Rect(0, 0, 40, 40), pal)
	const c = 19.5
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			dx, dy := float64(x)-c, float64(y)-c
			d := math.Hypot(dx, dy)
			if d >= 17 && d <= 19 {
				img.SetColorIndex(x, y, 1)
			}
			if inStar(dx, dy, 6.5) {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	// The arc of text above the star, as dots in three rows.
	for a := 200.0; a <= 340; a += 9 {
		rad := a * math.Pi / 180
		for ring := 12.0; ring <= 15; ring++ {
			if r.IntN(3) > 0 {
				x, y := int(c+ring*math.Cos(rad)), int(c+ring*math.Sin(rad))
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	return encodePNG(img)
}

// inStar reports whether (dx, dy) lies inside a five-pointed star of outer
// radius R centred at the origin, pointing up.
func inStar(dx, dy, R float64) bool {
	if math.Hypot(dx, dy) > R {
		return false
	}
	// A point is inside the star if it is inside the inner pentagon or one
	// of the five triangles; test via the polar angle folded into one spike.
	ang := math.Atan2(dx, -dy) // 0 at the top, clockwise
	if ang < 0 {
		ang += 2 * math.Pi
	}
	seg := 2 * math.Pi / 5
	a := math.Mod(ang, seg)
	if a > seg/2 {
		a = seg - a
	}
	// Between the spike tip (a=0, radius R) and the valley (a=seg/2, radius
	// 0.38R) the boundary is a straight line; compare in polar form.
	inner := 0.382 * R
	tip := [2]float64{0, R}
	valley := [2]float64{inner * math.Sin(seg/2), inner * math.Cos(seg/2)}
	px, py := math.Hypot(dx, dy)*math.Sin(a), math.Hypot(dx, dy)*math.Cos(a)
	// Sign of the cross product tells which side of tip→valley the point is.
	cross := (valley[0]-tip[0])*(py-tip[1]) - (valley[1]-tip[1])*(px-tip[0])
	return cross <= 0
}
