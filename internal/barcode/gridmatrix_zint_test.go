package barcode

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// zintInfo describes the zint binary the comparison tests run.
type zintInfo struct {
	path   string
	legacy bool // zint ≤ 2.16: has the encodation defects GMConfig.ZintLegacy reproduces
	ver    string
}

var (
	zintOnce sync.Once
	zint     zintInfo
	zintErr  string
)

// needZint returns the zint to compare with, or skips the test.
func needZint(t testing.TB) zintInfo {
	t.Helper()
	zintOnce.Do(func() {
		// ZINT_BIN may name another zint build (e.g. one with the fixes);
		// GM_ZINT_LEGACY then says whether it still has the old defects.
		name := "zint"
		if v := os.Getenv("ZINT_BIN"); v != "" {
			name = v
		}
		path, err := exec.LookPath(name)
		if err != nil {
			zintErr = "zint (Debian package zint) is not installed: cannot compare Grid Matrix symbols with the reference encoder"
			return
		}
		out, err := exec.Command(path, "--version").CombinedOutput()
		if err != nil {
			zintErr = fmt.Sprintf("zint --version failed: %v: %s", err, out)
			return
		}
		m := regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(string(out))
		if m == nil {
			zintErr = fmt.Sprintf("cannot read the zint version from %q", out)
			return
		}
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		zint = zintInfo{path: path, ver: m[0], legacy: major < 2 || (major == 2 && minor <= 16)}
		// A development build past 2.16.0 may already have the fixes.
		if v := os.Getenv("GM_ZINT_LEGACY"); v != "" {
			zint.legacy = v == "1" || strings.EqualFold(v, "true")
		}
	})
	if zintErr != "" {
		t.Skip(zintErr)
	}
	return zint
}

// zintGM runs zint for Grid Matrix and parses its --dump module matrix.
func zintGM(t testing.TB, z zintInfo, payload string, level, version, eci int) ([][]bool, error) {
	t.Helper()
	args := []string{"-b", "142", "--dump"}
	if level != 0 {
		args = append(args, "--secure="+strconv.Itoa(level))
	}
	if version != 0 {
		args = append(args, "--vers="+strconv.Itoa(version))
	}
	if eci != 0 {
		args = append(args, "--eci="+strconv.Itoa(eci))
	}
	args = append(args, "--data="+payload)
	cmd := exec.Command(z.path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("zint %q: %v: %s", args, err, stderr.String())
	}
	return parseZintDump(string(out))
}

// parseZintDump reads zint's --dump output for a matrix symbol: one line
// per row, the modules as hex digits (most significant bit first, the last
// digit padded with zeros), in groups of two separated by spaces.
func parseZintDump(out string) ([][]bool, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	size := len(lines)
	rows := make([][]bool, size)
	for r, line := range lines {
		digits := strings.ReplaceAll(strings.TrimSpace(line), " ", "")
		if len(digits)*4 < size || len(digits)*4 >= size+4 {
			return nil, fmt.Errorf("zint dump row %d has %d hex digits for a %d-module symbol", r, len(digits), size)
		}
		rows[r] = make([]bool, size)
		for c := 0; c < size; c++ {
			v, err := strconv.ParseUint(digits[c/4:c/4+1], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("zint dump row %d %q: %v", r, line, err)
			}
			rows[r][c] = v&(8>>(c%4)) != 0
		}
	}
	return rows, nil
}

// diffMatrix describes the first differences between two matrices, "" if equal.
func diffMatrix(got *Matrix, want [][]bool) string {
	if got.Size != len(want) {
		return fmt.Sprintf("size %d, zint %d", got.Size, len(want))
	}
	var diffs []string
	for r := range want {
		for c := range want[r] {
			if got.Modules[r][c] != want[r][c] {
				diffs = append(diffs, fmt.Sprintf("(%d,%d)", r, c))
			}
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	n := len(diffs)
	if n > 8 {
		diffs = append(diffs[:8], "…")
	}
	return fmt.Sprintf("%d modules differ: %s", n, strings.Join(diffs, " "))
}

type gmCase struct {
	payload        string
	level, version int
	eci            int // ECI zint needs to be told about (our encoder picks it itself)
}

func (c gmCase) String() string {
	p := c.payload
	if len(p) > 40 {
		p = p[:37] + "…"
	}
	return fmt.Sprintf("%q(len %d) level=%d version=%d", p, len(c.payload), c.level, c.version)
}

// checkAgainstZint encodes c and compares with zint module for module.
//
// A zint without the old defects (unreleased development zint after 2.16)
// also changed how it picks the size when the data exceed the recommended
// capacity (it lowers the level instead of growing the version), so for it
// the comparison pins zint to the version and level we chose and checks the
// encodation only.
func checkAgainstZint(t *testing.T, z zintInfo, c gmCase) {
	t.Helper()
	got, err := GridMatrixWith([]byte(c.payload), GMConfig{Level: c.level, Version: c.version, ZintLegacy: z.legacy})
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	level, version := c.level, c.version
	if !z.legacy {
		level, version = got.Level, got.Version
	}
	want, err := zintGM(t, z, c.payload, level, version, c.eci)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	if d := diffMatrix(got, want); d != "" {
		t.Errorf("%v: differs from zint %s (ours version %d level %d): %s", c, z.ver, got.Version, got.Level, d)
	}
}

// urlAlphabet is what our verification URLs are made of, and a bit more.
const urlAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/._-~?=&%"

func TestGridMatrixMatchesZintTable(t *testing.T) {
	z := needZint(t)
	payloads := []string{
		"hello",
		"HELLO",
		"12345",
		"http://127.0.0.1:8080/v/",
		"http://127.0.0.1:8080/v/q3Xc9_ZkT-2bV0aLr8YwE1nPq7uJ5sHfG4dK6mNo3iBtRz9yWxAe2cDvF8gUhS0jQlMpIk7O",
		"https://zwfw.sc.gov.cn/certgraph/v/AbCdEfGh-IjKl_MnOp~QrSt.UvWx?ts=1732760000&sig=a%2Fb%3D",
		"HTTPS://EXAMPLE.COM/V/ABC123",
		"MiXeD cAsE 123 with spaces",
		"1.2.3 2.2.0 127.0.0.1 3,14 +86-28-1234",
		"line one\r\nline two\r\n12\r\n34",
		"tab\there\x01ctl",
		"0123456789012345678901234567890123456789",
		strings.Repeat("aB3_", 75),
	}
	for _, p := range payloads {
		for level := 0; level <= 5; level++ {
			checkAgainstZint(t, z, gmCase{payload: p, level: level})
		}
	}
	// Explicit versions, including ones that force a level change.
	for _, c := range []gmCase{
		{payload: "http://127.0.0.1:8080/v/abc", level: 3, version: 4},
		{payload: "http://127.0.0.1:8080/v/abc", level: 1, version: 13},
		{payload: "http://127.0.0.1:8080/v/abc", level: 5, version: 3},
		{payload: "hi", level: 1, version: 1},
		{payload: "hi", level: 1, version: 2},
		{payload: strings.Repeat("x", 60), level: 5, version: 3},
		{payload: "https://zwfw.sc.gov.cn/v/" + strings.Repeat("Zz9-", 30), level: 0, version: 8},
	} {
		checkAgainstZint(t, z, c)
	}
}

func TestGridMatrixMatchesZintRandom(t *testing.T) {
	z := needZint(t)
	rng := rand.New(rand.NewSource(27766))
	prefixes := []string{"http://127.0.0.1:8080/v/", "https://zwfw.sc.gov.cn/v/", "HTTP://X.CN/V/", ""}
	for i := 0; i < 200; i++ {
		n := 5 + rng.Intn(296)
		var b strings.Builder
		b.WriteString(prefixes[rng.Intn(len(prefixes))])
		for b.Len() < n {
			b.WriteByte(urlAlphabet[rng.Intn(len(urlAlphabet))])
		}
		p := b.String()[:n]
		level := 1 + rng.Intn(5)
		version := 0
		if i%10 == 9 {
			version = 1 + rng.Intn(13)
		}
		c := gmCase{payload: p, level: level, version: version}
		if version != 0 {
			// Skip versions too small for the data; zint and we both refuse them
			// (checked separately).
			if _, err := GridMatrix([]byte(p), level, version); err != nil {
				continue
			}
		}
		checkAgainstZint(t, z, c)
	}
}

func TestGridMatrixChineseMatchesZint(t *testing.T) {
	z := needZint(t)
	for _, p := range []string{
		"电子证照",
		"四川省电子证照共享 http://127.0.0.1:8080/v/abc",
		"营业执照91510100MA61234567",
		"中华人民共和国居民身份证 12\r\n34 ＡＢ",
		"é ü",
	} {
		for level := 1; level <= 5; level++ {
			checkAgainstZint(t, z, gmCase{payload: p, level: level})
		}
	}
	// Text outside GB 2312 goes as UTF-8 bytes behind ECI 26.
	for _, p := range []string{"ßtraße €5", "emoji 😀 ok", "Grüße aus 成都 ß"} {
		for level := 1; level <= 5; level++ {
			checkAgainstZint(t, z, gmCase{payload: p, level: level, eci: 26})
		}
	}
}
