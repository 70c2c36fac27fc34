package barcode

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKind(t *testing.T) {
	for in, want := range map[string]Kind{"": QR, "qr": QR, "QR": QR, " Qr ": QR, "gm": GM, "GM": GM} {
		got, err := ParseKind(in)
		if err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"PDF417", "Q R", "gmx", "datamatrix"} {
		_, err := ParseKind(in)
		if !errors.Is(err, ErrUnknownKind) {
			t.Errorf("ParseKind(%q) error = %v, want ErrUnknownKind", in, err)
			continue
		}
		if !strings.Contains(err.Error(), `"QR"`) || !strings.Contains(err.Error(), `"GM"`) {
			t.Errorf("ParseKind(%q) error %q does not name the allowed values", in, err)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	long := strings.Repeat("\x01\xff", 3000) // byte/control data: far beyond any symbol
	cases := []struct {
		name    string
		kind    Kind
		payload string
		opts    Options
		want    error
	}{
		{"QR empty", QR, "", Options{}, ErrEmptyPayload},
		{"GM empty", GM, "", Options{}, ErrEmptyPayload},
		{"unknown kind", Kind("XX"), "a", Options{}, ErrUnknownKind},
		{"QR level 5", QR, "a", Options{Level: 5}, ErrInvalidLevel},
		{"QR level -1", QR, "a", Options{Level: -1}, ErrInvalidLevel},
		{"GM level 6", GM, "a", Options{Level: 6}, ErrInvalidLevel},
		{"GM version 14", GM, "a", Options{Version: 14}, ErrInvalidVersion},
		{"scale", QR, "a", Options{Scale: MaxScale + 1}, ErrInvalidOption},
		{"quiet zone", GM, "a", Options{QuietZone: -2}, ErrInvalidOption},
		{"QR too long", QR, strings.Repeat("x", 3000), Options{Level: 4}, ErrTooLong},
		{"GM too long", GM, long, Options{Level: 1}, ErrTooLong},
		{"GM too long for level 5", GM, strings.Repeat("aB", 600), Options{Level: 5}, ErrTooLong},
		{"GM too long for version 1", GM, "http://127.0.0.1:8080/v/abc", Options{Version: 1}, ErrTooLong},
	}
	for _, c := range cases {
		_, err := Encode(c.kind, c.payload, c.opts)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error = %v, want %v", c.name, err, c.want)
		}
	}
	// The too-long error says how much fits.
	_, err := GridMatrix([]byte(strings.Repeat("aB", 600)), 5, 0)
	var tl *TooLongError
	if !errors.As(err, &tl) || tl.Max != 729 || tl.Need <= tl.Max {
		t.Errorf("GM level 5 overflow: error %v, want a TooLongError with Max 729", err)
	}
	// 1200 characters fit at level 1 (the largest symbol holds 1313 codewords).
	if m, err := GridMatrix([]byte(strings.Repeat("aB", 600)), 1, 0); err != nil || m.Version != 13 {
		t.Errorf("GM level 1 with 1200 chars: %v, %v", m, err)
	}
}

// testPayloads are what the §6.4.4 codes carry: a verification URL with
// 60–120 characters of base64url, and UTF-8 text with Chinese.
func testPayloads() []string {
	const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	rng := rand.New(rand.NewSource(18004))
	var out []string
	for _, n := range []int{60, 77, 90, 104, 120} {
		b := make([]byte, n)
		for i := range b {
			b[i] = b64url[rng.Intn(len(b64url))]
		}
		out = append(out, "http://127.0.0.1:8080/v/"+string(b))
	}
	return append(out, "四川省电子证照 营业执照 91510100MA61234567 ✓ ok", "证照")
}

func TestQRDecodesWithZbar(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg (Debian package zbar-tools) is not installed: cannot decode the QR codes")
	}
	dir := t.TempDir()
	for i, p := range testPayloads() {
		for _, level := range []int{0, 1, 4} {
			img, err := Encode(QR, p, Options{Level: level})
			if err != nil {
				t.Fatalf("Encode(QR, %q, level %d): %v", p, level, err)
			}
			file := filepath.Join(dir, "qr.png")
			if err := os.WriteFile(file, img, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(zbar, "--raw", "-q", file).Output()
			if err != nil {
				t.Fatalf("payload %d level %d: zbarimg: %v", i, level, err)
			}
			got := strings.TrimSuffix(string(out), "\n")
			if got != p {
				t.Errorf("payload %d level %d: zbarimg read %q, want %q", i, level, got, p)
			}
		}
	}
}

// moduleAt samples the pixel at the centre of module (r, c).
func moduleAt(img image.Image, r, c, scale, quiet int) bool {
	x := (c+quiet)*scale + scale/2
	y := (r+quiet)*scale + scale/2
	g, _, _, _ := img.At(x, y).RGBA()
	return g < 0x8000
}

func TestPNGMatchesMatrix(t *testing.T) {
	for _, kind := range []Kind{GM, QR} {
		for _, opts := range []Options{{}, {Scale: 1, QuietZone: 1}, {Scale: 3, QuietZone: 9, Level: 4}} {
			p := testPayloads()[2]
			data, err := Encode(kind, p, opts)
			if err != nil {
				t.Fatalf("%s %+v: %v", kind, opts, err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s %+v: PNG does not decode: %v", kind, opts, err)
			}
			m, err := EncodeMatrix(kind, p, opts)
			if err != nil {
				t.Fatal(err)
			}
			scale, quiet, _ := renderParams(kind, opts)
			side := (m.Size + 2*quiet) * scale
			if b := img.Bounds(); b.Dx() != side || b.Dy() != side {
				t.Fatalf("%s %+v: image %v, want %d×%d", kind, opts, b, side, side)
			}
			for r := -quiet; r < m.Size+quiet; r++ {
				for c := -quiet; c < m.Size+quiet; c++ {
					want := r >= 0 && c >= 0 && r < m.Size && c < m.Size && m.Modules[r][c]
					if got := moduleAt(img, r, c, scale, quiet); got != want {
						t.Fatalf("%s %+v: module (%d,%d) is dark=%v in the PNG, %v in the matrix", kind, opts, r, c, got, want)
					}
				}
			}
		}
	}
}

func TestDefaultQuietZones(t *testing.T) {
	for kind, q := range map[Kind]int{QR: QRQuietZone, GM: GMQuietZone} {
		_, quiet, err := renderParams(kind, Options{})
		if err != nil || quiet != q {
			t.Errorf("%s default quiet zone = %d, %v; want %d", kind, quiet, err, q)
		}
	}
}

func TestGridMatrixStructure(t *testing.T) {
	// Every version: size 6·(2v+1), the macromodule frames on a checkerboard,
	// and a level/version as requested.
	for v := 1; v <= GMMaxVersion; v++ {
		level := max(3, gmMinLevel(v))
		m, err := GridMatrix([]byte("hi"), level, v)
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		if m.Size != 6*(2*v+1) || m.Version != v || m.Level != level {
			t.Fatalf("version %d: size %d version %d level %d", v, m.Size, m.Version, m.Level)
		}
		for y := 0; y < 2*v+1; y++ {
			for x := 0; x < 2*v+1; x++ {
				if m.Modules[6*y][6*x] != ((x+y)%2 == 0) || m.Modules[6*y+5][6*x+5] != ((x+y)%2 == 0) {
					t.Fatalf("version %d: frame of macromodule (%d,%d) wrong", v, y, x)
				}
			}
		}
	}
	// Too-low levels are raised to what the version allows.
	if m, _ := GridMatrix([]byte("hi"), 1, 1); m == nil || m.Level != 4 {
		t.Errorf("version 1 level 1: got %+v, want level raised to 4", m)
	}
}

func TestGridMatrixCharsets(t *testing.T) {
	if chars, eci := gmChars([]byte("a中")); eci != 0 || len(chars) != 2 || chars[1] != 0xD6D0 {
		t.Errorf("gmChars(a中) = %x, ECI %d; want GB 2312 D6D0 without ECI", chars, eci)
	}
	if _, eci := gmChars([]byte("straße")); eci != 26 {
		t.Errorf("gmChars(straße) ECI %d, want 26 (ß is not in GB 2312)", eci)
	}
	if chars, eci := gmChars([]byte{0xff, 0x41}); eci != 899 || len(chars) != 2 {
		t.Errorf("gmChars(invalid UTF-8) = %x, ECI %d; want raw bytes with ECI 899", chars, eci)
	}
}

func BenchmarkQR100(b *testing.B) {
	p := "http://127.0.0.1:8080/v/" + strings.Repeat("Ab9_-xYz", 10)[:76]
	for b.Loop() {
		if _, err := Encode(QR, p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGM100(b *testing.B) {
	p := "http://127.0.0.1:8080/v/" + strings.Repeat("Ab9_-xYz", 10)[:76]
	for b.Loop() {
		if _, err := Encode(GM, p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGMControlValues(t *testing.T) {
	// GB/T 27766 Table 7: values 32–63 are this punctuation, in order.
	const table = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	for i := 0; i < 32; i++ {
		if got := gmControlValue(uint32(i)); got != uint32(i) {
			t.Errorf("control %d → %d", i, got)
		}
	}
	for i, c := range table {
		if got := gmControlValue(uint32(c)); got != uint32(32+i) {
			t.Errorf("%q → %d, want %d", c, got, 32+i)
		}
	}
}

func TestGMLegacyOnlyWhereZintWasWrong(t *testing.T) {
	// Plain URL text without digit/punctuation runs: identical either way.
	same := "https://zwfw.sc.gov.cn/v/AbCdEf"
	a, _ := GridMatrixWith([]byte(same), GMConfig{Level: 3})
	b, _ := GridMatrixWith([]byte(same), GMConfig{Level: 3, ZintLegacy: true})
	if a.String() != b.String() {
		t.Errorf("%q: legacy and fixed encodings differ", same)
	}
	// Two non-digits in one numeral window ("2.2.0") and a leading byte run:
	// the cases zint ≤ 2.16 misencodes.
	for _, p := range []string{"v 2.2.0 1.2.3", "ß1"} {
		a, _ := GridMatrixWith([]byte(p), GMConfig{Level: 3})
		b, _ := GridMatrixWith([]byte(p), GMConfig{Level: 3, ZintLegacy: true})
		if a.String() == b.String() {
			t.Errorf("%q: legacy mode should reproduce zint's defect, but the symbols are equal", p)
		}
	}
}
