package gmcrypto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Region-bound encrypted identifiers. Any node must route an encrypted
// identifier to the node that sealed it (the certificate's owner) without
// being able to open it, so the owner's two-digit region code leads the
// token in clear:
//
//	token = region (2 ASCII digits) ‖ base64url(version 2 ‖ kid length ‖ kid ‖
//	        nonce ‖ SM4-GCM(encoding ‖ issue time ‖ identifier))
//
// The region is authenticated with the rest of the header (it is part of
// the GCM additional data), so changing the prefix to send a token to
// another node makes it fail to open, even at a node sharing the key ring.
//
// Tokens of version 1 (Seal) have no prefix: their first character is
// always 'A' (the version byte 0x01 encodes so), never a digit, so the two
// forms cannot be confused and old tokens stay readable where they were made.
const regionTokenVersion byte = 2

// regionPrefixLen is the clear region prefix of a version-2 token.
const regionPrefixLen = 2

// ErrWrongRegion means a token names a region other than the one opening it.
var ErrWrongRegion = errors.New("encrypted certificate identifier belongs to another region")

func validRegion(r string) bool {
	return len(r) == regionPrefixLen && r[0] >= '0' && r[0] <= '9' && r[1] >= '0' && r[1] <= '9'
}

// SealForRegion is Seal for the owner node of region: the token starts with
// region in clear, bound into the sealed data.
func (s *Sealer) SealForRegion(region, certID string, now time.Time) (string, error) {
	if !validRegion(region) {
		return "", fmt.Errorf("gmcrypto: seal: region %q is not two digits", region)
	}
	out, err := s.seal(regionTokenVersion, certID, now, func(header []byte) []byte { return regionAAD(region, header) })
	if err != nil {
		return "", err
	}
	return region + tokenEncoding.EncodeToString(out), nil
}

func regionAAD(region string, header []byte) []byte {
	return append([]byte(region), header...)
}

// TokenRegion checks a token's syntax without opening it and returns the
// region that sealed it; legacy is true for a version-1 token, which names
// no region (it belongs to the node that made it). Errors wrap ErrMalformed.
// This is what a node routes by before dispatching.
func TokenRegion(token string) (region string, legacy bool, err error) {
	if len(token) > maxTokenChars {
		return "", false, fmt.Errorf("%w: %d characters, at most %d", ErrMalformed, len(token), maxTokenChars)
	}
	if len(token) >= regionPrefixLen && validRegion(token[:regionPrefixLen]) {
		region, token = token[:regionPrefixLen], token[regionPrefixLen:]
	}
	raw, err := tokenEncoding.DecodeString(token)
	if err != nil {
		return "", false, fmt.Errorf("%w: not URL-safe base64: %v", ErrMalformed, err)
	}
	want := tokenVersion
	if region != "" {
		want = regionTokenVersion
	}
	if len(raw) < 2 {
		return "", false, fmt.Errorf("%w: truncated (%d bytes)", ErrMalformed, len(raw))
	}
	if raw[0] != want {
		return "", false, fmt.Errorf("%w: version %d, want %d", ErrMalformed, raw[0], want)
	}
	kidLen := int(raw[1])
	if kidLen == 0 || kidLen > maxKidLength {
		return "", false, fmt.Errorf("%w: key id length %d", ErrMalformed, kidLen)
	}
	if len(raw) < 2+kidLen+gcmNonceSize+gcmTagSize+5 {
		return "", false, fmt.Errorf("%w: truncated (%d bytes)", ErrMalformed, len(raw))
	}
	return region, region == "", nil
}

// OpenAnyRegion opens a token of either form made with a key in the ring:
// a version-2 token returns its region, a version-1 token region "" and
// legacy true. Errors wrap ErrMalformed, ErrUnknownKey, ErrTampered or
// ErrExpired.
func (s *Sealer) OpenAnyRegion(token string, now time.Time) (region, certID string, issuedAt time.Time, legacy bool, err error) {
	region, legacy, err = TokenRegion(token)
	if err != nil {
		return "", "", time.Time{}, false, err
	}
	if legacy {
		certID, issuedAt, err = s.Open(token, now)
		return "", certID, issuedAt, true, err
	}
	raw, _ := tokenEncoding.DecodeString(token[regionPrefixLen:])
	kidLen := int(raw[1])
	headerLen := 2 + kidLen + gcmNonceSize
	kid := string(raw[2 : 2+kidLen])
	s.mu.RLock()
	k, ok := s.keys[kid]
	lifetime, skew := s.lifetime, s.skew
	s.mu.RUnlock()
	if !ok {
		return "", "", time.Time{}, false, fmt.Errorf("%w: key id %q", ErrUnknownKey, kid)
	}
	header := raw[:headerLen]
	plain, err := k.aead.Open(nil, header[2+kidLen:], raw[headerLen:], regionAAD(region, header))
	if err != nil {
		return "", "", time.Time{}, false, fmt.Errorf("%w: key id %q (or region prefix %s changed)", ErrTampered, kid, region)
	}
	issuedAt = time.Unix(int64(binary.BigEndian.Uint32(plain[1:5])), 0)
	certID, err = decodeID(plain[0], plain[5:])
	if err != nil {
		return "", "", time.Time{}, false, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if issuedAt.After(now.Add(skew)) {
		return "", "", time.Time{}, false, fmt.Errorf("%w: issued at %s, in the future (now %s)", ErrExpired,
			issuedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.Sub(issuedAt) > lifetime {
		return "", "", time.Time{}, false, fmt.Errorf("%w: issued at %s, lifetime %v (now %s)", ErrExpired,
			issuedAt.UTC().Format(time.RFC3339), lifetime, now.UTC().Format(time.RFC3339))
	}
	return region, certID, issuedAt, false, nil
}

// OpenForRegion opens a token at the node of region self: a version-2
// token must name self (else ErrWrongRegion: route it, do not open it); a
// version-1 token is taken as self's own, as it was before regions.
func (s *Sealer) OpenForRegion(self, token string, now time.Time) (certID string, issuedAt time.Time, err error) {
	region, legacy, err := TokenRegion(token)
	if err != nil {
		return "", time.Time{}, err
	}
	if !legacy && region != self {
		return "", time.Time{}, fmt.Errorf("%w: sealed by region %s, opened at %s", ErrWrongRegion, region, self)
	}
	_, certID, issuedAt, _, err = s.OpenAnyRegion(token, now)
	return certID, issuedAt, err
}
