package gmcrypto

import (
	"errors"
	"strings"
)

// Sealed tokens are printed as QR codes, so their length matters: a GB/T
// 36904 identifier (about 70 characters of 0-9, A-Z and dots under a fixed
// root) is packed three characters to 16 bits instead of 8 bits each. Any
// other identifier is carried as raw UTF-8.

// Payload encodings, the first byte of the sealed plaintext.
const (
	encRaw        byte = 0 // UTF-8 bytes as given
	encPackedRoot byte = 1 // "1.2.156.3005.2." prefix dropped, rest packed
	encPacked     byte = 2 // whole identifier packed
)

// certIDRootPrefix is the GB/T 36904 root arc with its trailing dot.
const certIDRootPrefix = "1.2.156.3005.2."

// packAlphabet holds the 37 packable characters; value 37 pads the last group.
const packAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ."

const (
	packBase = 38 // 37 characters + padding; 38³ = 54872 fits 16 bits
	packPad  = 37
)

var packValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(packAlphabet); i++ {
		t[packAlphabet[i]] = int8(i)
	}
	return t
}()

var errBadPacking = errors.New("invalid packed identifier")

// encodeID returns the encoding byte and payload for an identifier.
func encodeID(id string) (byte, []byte) {
	enc, body := encPacked, id
	if rest, ok := strings.CutPrefix(id, certIDRootPrefix); ok {
		enc, body = encPackedRoot, rest
	}
	for i := 0; i < len(body); i++ {
		if packValue[body[i]] < 0 {
			return encRaw, []byte(id)
		}
	}
	out := make([]byte, 0, (len(body)+2)/3*2)
	for i := 0; i < len(body); i += 3 {
		v := 0
		for j := i; j < i+3; j++ {
			d := packPad
			if j < len(body) {
				d = int(packValue[body[j]])
			}
			v = v*packBase + d
		}
		out = append(out, byte(v>>8), byte(v))
	}
	if len(out) >= len(id) { // very short identifiers: packing does not pay
		return encRaw, []byte(id)
	}
	return enc, out
}

// decodeID reverses encodeID. Padding may appear only at the very end, so
// every identifier has exactly one packed form.
func decodeID(enc byte, payload []byte) (string, error) {
	switch enc {
	case encRaw:
		return string(payload), nil
	case encPacked, encPackedRoot:
	default:
		return "", errBadPacking
	}
	if len(payload)%2 != 0 {
		return "", errBadPacking
	}
	var b strings.Builder
	if enc == encPackedRoot {
		b.WriteString(certIDRootPrefix)
	}
	padded := false
	for i := 0; i < len(payload); i += 2 {
		v := int(payload[i])<<8 | int(payload[i+1])
		if v >= packBase*packBase*packBase || padded {
			return "", errBadPacking
		}
		digits := [3]int{v / (packBase * packBase), v / packBase % packBase, v % packBase}
		for k, d := range digits {
			if d == packPad {
				// Only trailing pads, and never a whole group of them.
				if k == 0 || (k == 1 && digits[2] != packPad) {
					return "", errBadPacking
				}
				padded = true
				continue
			}
			if padded {
				return "", errBadPacking
			}
			b.WriteByte(packAlphabet[d])
		}
	}
	return b.String(), nil
}
