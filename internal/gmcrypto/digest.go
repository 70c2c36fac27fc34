package gmcrypto

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/emmansun/gmsm/sm3"
)

// SM3Hex returns the SM3 digest of b as 64 lower-case hex digits.
func SM3Hex(b []byte) string {
	d := sm3.Sum(b)
	return hex.EncodeToString(d[:])
}

// SHA256Hex returns the SHA-256 digest of b as 64 lower-case hex digits.
func SHA256Hex(b []byte) string {
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:])
}
