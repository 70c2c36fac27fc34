package national

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"certgraph/internal/ident"

	"github.com/emmansun/gmsm/sm3"
)

// Directory limits.
const (
	// MaxBatch is the most entries one publishDirectory call may carry.
	MaxBatch = 1000
	// HolderKeySize is the size of the hub's holder-digest key.
	HolderKeySize = 32
)

// HolderDigester turns holder codes into the keyed SM3 digests (HMAC-SM3
// with the hub's key) the national directory stores instead of the codes:
// the hub never keeps a citizen id in clear, and without the key nobody can
// test guesses against a copy of the directory.
type HolderDigester struct{ key []byte }

// NewHolderDigester returns a digester for key, which must be HolderKeySize bytes.
func NewHolderDigester(key []byte) (*HolderDigester, error) {
	if len(key) != HolderKeySize {
		return nil, fmt.Errorf("national: holder digest key is %d bytes, want %d", len(key), HolderKeySize)
	}
	return &HolderDigester{key: append([]byte(nil), key...)}, nil
}

// Digest returns the 64 hex digits of HMAC-SM3(key, code) for a holder code,
// normalised as holders are looked up (spaces trimmed, letters upper-case),
// so the node publishing and the hub answering agree.
func (d *HolderDigester) Digest(holderCode string) string {
	m := hmac.New(sm3.New, d.key)
	m.Write([]byte(strings.ToUpper(strings.TrimSpace(holderCode))))
	return hex.EncodeToString(m.Sum(nil))
}

// Entry is one certificate in the national directory (目录信息): enough to
// route a read and to answer "who holds what where", and nothing to show —
// no names, no surfaces, the holder only as a keyed digest.
type Entry struct {
	ID           string `json:"id"`
	TypeCode     string `json:"typeCode"`
	HolderType   string `json:"holderType"`
	HolderDigest string `json:"holderDigest"`
	IssueDate    string `json:"issueDate"`            // YYYY-MM-DD
	ValidFrom    string `json:"validFrom"`            // YYYY-MM-DD
	ValidUntil   string `json:"validUntil,omitempty"` // YYYY-MM-DD; "" long-term
	Revoked      bool   `json:"revoked"`
	FileSM3      string `json:"fileSm3,omitempty"` // 64 hex digits of the layout file, if any
	Version      int64  `json:"version"`           // rises with every change of the certificate
	Deleted      bool   `json:"deleted"`
}

// Validate checks one entry published by the node of region caller; i is
// its position in the batch, for messages.
func (e Entry) Validate(caller string) error {
	id, err := ident.ParseCertID(e.ID)
	if err != nil {
		return fmt.Errorf("id: %v", err)
	}
	if p := id.IssuerProvince(); p != caller {
		return fmt.Errorf("id %s: issued in region %s, not by the calling node's region %s", e.ID, p, caller)
	}
	if e.Version < 1 {
		return fmt.Errorf("id %s: version %d, want ≥ 1", e.ID, e.Version)
	}
	if e.TypeCode != id.TypeCode {
		return fmt.Errorf("id %s: typeCode %q differs from the type in the identifier (%s)", e.ID, e.TypeCode, id.TypeCode)
	}
	if e.Deleted {
		return nil
	}
	if len(e.HolderType) != 3 || strings.Trim(e.HolderType, "0123456789") != "" {
		return fmt.Errorf("id %s: holderType %q is not a three-digit code", e.ID, e.HolderType)
	}
	if !isHex(e.HolderDigest, 64) {
		return fmt.Errorf("id %s: holderDigest must be 64 lower-case hex digits (a keyed SM3 digest, never the code)", e.ID)
	}
	for name, v := range map[string]string{"issueDate": e.IssueDate, "validFrom": e.ValidFrom} {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fmt.Errorf("id %s: %s %q is not YYYY-MM-DD", e.ID, name, v)
		}
	}
	if e.ValidUntil != "" {
		if _, err := time.Parse(time.DateOnly, e.ValidUntil); err != nil {
			return fmt.Errorf("id %s: validUntil %q is not YYYY-MM-DD", e.ID, e.ValidUntil)
		}
		if e.ValidUntil < e.ValidFrom {
			return fmt.Errorf("id %s: validUntil %s before validFrom %s", e.ID, e.ValidUntil, e.ValidFrom)
		}
	}
	if e.FileSM3 != "" && !isHex(e.FileSM3, 64) {
		return fmt.Errorf("id %s: fileSm3 must be 64 lower-case hex digits", e.ID)
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// BatchError is a refused publishDirectory batch: nothing of it was stored.
type BatchError struct {
	Index int // position of the first bad entry (0-based), -1 for the batch itself
	Err   error
}

// Error implements error.
func (e *BatchError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("directory batch refused, nothing stored: %v", e.Err)
	}
	return fmt.Sprintf("directory batch refused, nothing stored: entry %d: %v", e.Index+1, e.Err)
}

// Unwrap returns the cause.
func (e *BatchError) Unwrap() error { return e.Err }

// ValidateBatch checks a whole batch from the node of region caller, all or
// nothing: the first bad entry refuses the batch, as does any entry issued
// in another province.
func ValidateBatch(caller string, entries []Entry) error {
	if !ValidRegion(caller) || caller == HubRegion {
		return &BatchError{Index: -1, Err: fmt.Errorf("the caller is bound to no province (%q)", caller)}
	}
	if len(entries) == 0 {
		return &BatchError{Index: -1, Err: errors.New("the batch is empty")}
	}
	if len(entries) > MaxBatch {
		return &BatchError{Index: -1, Err: fmt.Errorf("%d entries, at most %d per batch", len(entries), MaxBatch)}
	}
	for i, e := range entries {
		if err := e.Validate(caller); err != nil {
			return &BatchError{Index: i, Err: err}
		}
	}
	return nil
}

// Supersedes reports whether incoming replaces stored (nil: none stored):
// the higher version wins; an equal or lower one changes nothing, so
// re-sending and reordering are harmless.
func Supersedes(stored *Entry, incoming Entry) bool {
	return stored == nil || incoming.Version > stored.Version
}

// Collapse keeps, for each id, the entry with the highest version, in the
// order of first appearance: what a batch means when it repeats an id.
func Collapse(entries []Entry) []Entry {
	at := map[string]int{}
	var out []Entry
	for _, e := range entries {
		if i, ok := at[e.ID]; ok {
			if e.Version > out[i].Version {
				out[i] = e
			}
			continue
		}
		at[e.ID] = len(out)
		out = append(out, e)
	}
	return out
}

// Version is the identity of one live (not deleted) directory entry's
// state: what reconciliation compares. Deleted entries take no part in it,
// so a tombstone on one side and nothing on the other agree.
type Version struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// RangeSummary is a count and digest of the live entries whose ids fall in
// a range.
type RangeSummary struct {
	Count  int    `json:"count"`
	Digest string `json:"digest"` // SM3 over "id version\n" lines in id order
}

// Summarize computes the RangeSummary of versions (sorted by id here, so
// both sides agree whatever order they read in).
func Summarize(versions []Version) RangeSummary {
	vs := append([]Version(nil), versions...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	h := sm3.New()
	for _, v := range vs {
		fmt.Fprintf(h, "%s %d\n", v.ID, v.Version)
	}
	return RangeSummary{Count: len(vs), Digest: hex.EncodeToString(h.Sum(nil))}
}
