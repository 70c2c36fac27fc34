package ident

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maskChar replaces each hidden character.
const maskChar = '*'

// clusters splits s into user-perceived characters, approximated as a base
// rune followed by any combining marks (Unicode category M, which includes
// variation selectors), so that "é" written as e + U+0301 is one character
// and a mask never leaves a dangling accent. Invalid UTF-8 bytes are single
// clusters of their own.
func clusters(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		j := i + size
		if r != utf8.RuneError || size > 1 {
			for j < len(s) {
				m, msize := utf8.DecodeRuneInString(s[j:])
				if m == utf8.RuneError && msize <= 1 || !unicode.Is(unicode.M, m) {
					break
				}
				j += msize
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// MaskCode hides the middle of a code for display to analysts, keeping the
// first and last 4 characters: 510104199001011234 → 5101**********1234.
// Shorter codes keep fewer (a quarter of the length at each end, so at least
// half is always hidden); one to three characters are hidden entirely.
// Characters are counted as runes with their combining marks, never bytes.
func MaskCode(s string) string {
	cs := clusters(s)
	keep := min(4, len(cs)/4)
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range cs {
		if i < keep || i >= len(cs)-keep {
			b.WriteString(c)
		} else {
			b.WriteRune(maskChar)
		}
	}
	return b.String()
}

// MaskName hides all but the first character of a personal or organisation
// name: 张三丰 → 张**, 𠈌某 → 𠈌*. A one-character name is hidden entirely,
// since keeping it would reveal the whole name. An invalid UTF-8 first byte
// is masked rather than copied out.
func MaskName(s string) string {
	cs := clusters(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range cs {
		if i == 0 && len(cs) > 1 && utf8.ValidString(c) {
			b.WriteString(c)
		} else {
			b.WriteRune(maskChar)
		}
	}
	return b.String()
}
