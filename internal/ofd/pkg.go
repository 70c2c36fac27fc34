// Package ofd builds, seals and verifies OFD layout documents (版式文件, GB/T 33190)
// carrying electronic seals (电子签章) in the SES formats of GB/T 38540-2020 (v4) and
// GM/T 0031-2014 (v1), using SM2 signatures and SM3 digests.
//
// Verification separates three questions that callers must not conflate:
// whether the package bytes are intact (Reference check values), whether the
// signature is cryptographically correct for the certificate it carries, and
// whether that certificate is trusted and in its validity period. Result.Valid
// answers only the first two; certificate status is reported alongside.
//
// # Budgets for untrusted packages
//
// Verify and Seal read packages from anyone. Before anything is inflated,
// the archive's entry count and its declared sizes are checked (archive/zip
// never inflates more than an entry declares); every read is then counted,
// and each XML part is scanned iteratively before encoding/xml sees it. A
// package over a budget is refused with a *LimitError (errors.Is(err,
// ErrLimit)) naming it; VerifyOptions.Limits overrides them, zero fields
// keeping the defaults (DefaultLimits):
//
//	MaxEntries     10,000     files in the zip archive
//	MaxEntrySize   32 MiB     one decompressed file
//	MaxTotalSize   64 MiB     decompressed bytes, declared and read (re-reads count)
//	MaxXMLSize     4 MiB      one XML part
//	MaxXMLDepth    256        element nesting of one XML part
//	MaxXMLTokens   1,000,000  start and end tags of all XML parts together
//	MaxXMLAttrs    256        attributes of one element
//	MaxSignatures  64         signatures listed by the package
//
// XML document type declarations are always refused: OFD uses none, and
// refusing them rules out entity expansion ("billion laughs").
package ofd

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Sentinel errors returned for input that cannot be read as an OFD package.
var (
	// ErrEmpty means the input has no bytes at all.
	ErrEmpty = errors.New("ofd: empty input")
	// ErrNotZip means the input is not a ZIP archive (an OFD package is a ZIP).
	ErrNotZip = errors.New("ofd: not a zip archive")
	// ErrNotOFD means the input is a ZIP archive but has no OFD.xml entry point.
	ErrNotOFD = errors.New("ofd: not an OFD package (no OFD.xml at the archive root)")
	// ErrMalformed means the package is an OFD but a required part is broken
	// (unparsable OFD.xml, duplicate entries, an unsafe path, ...).
	ErrMalformed = errors.New("ofd: malformed OFD package")
)

// pkgFile is one entry of an opened package.
type pkgFile struct {
	zf   *zip.File
	data []byte
}

// pkg is an opened OFD package: its entries by clean, root-relative name
// (no leading slash), in archive order.
type pkg struct {
	order []string
	files map[string]*pkgFile
	lim   Limits
	// spent counts the decompressed bytes handed out; xmlTokens the XML tags scanned.
	spent     int64
	xmlTokens int
	// err is the first budget exceeded; once set, the package is refused.
	err *LimitError
}

// openPackage opens data as an OFD package, classifying unreadable input
// into ErrEmpty, ErrNotZip, ErrNotOFD or ErrMalformed.
func openPackage(data []byte, lim Limits) (*pkg, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotZip, err)
	}
	p := &pkg{files: make(map[string]*pkgFile), lim: lim.withDefaults()}
	if len(zr.File) > p.lim.MaxEntries {
		return nil, &LimitError{Budget: "MaxEntries", Max: int64(p.lim.MaxEntries), Where: fmt.Sprintf("the %d files of the zip archive", len(zr.File))}
	}
	// archive/zip never inflates more than an entry declares, so the declared
	// sizes bound the work: a bomb is refused before anything is inflated.
	var declared uint64
	for _, f := range zr.File {
		if f.UncompressedSize64 > uint64(p.lim.MaxEntrySize) {
			return nil, &LimitError{Budget: "MaxEntrySize", Max: p.lim.MaxEntrySize, Where: fmt.Sprintf("zip entry %q (declared %d bytes)", f.Name, f.UncompressedSize64)}
		}
		declared += f.UncompressedSize64
		if declared > uint64(p.lim.MaxTotalSize) {
			return nil, &LimitError{Budget: "MaxTotalSize", Max: p.lim.MaxTotalSize, Where: fmt.Sprintf("the declared decompressed size of the zip archive's first %d files", len(p.order)+1)}
		}
		if strings.HasSuffix(f.Name, "/") {
			continue // directory entry
		}
		name, err := cleanName(f.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: zip entry %q: %v", ErrMalformed, f.Name, err)
		}
		// Two entries with one name would let a signed copy hide behind an unsigned one.
		if _, dup := p.files[name]; dup {
			return nil, fmt.Errorf("%w: zip entry %q appears twice", ErrMalformed, name)
		}
		p.files[name] = &pkgFile{zf: f}
		p.order = append(p.order, name)
	}
	if _, ok := p.files["OFD.xml"]; !ok {
		return nil, ErrNotOFD
	}
	return p, nil
}

// cleanName normalises a zip entry name or an absolute OFD location to a
// root-relative path, rejecting anything that escapes the package root.
func cleanName(name string) (string, error) {
	n := strings.ReplaceAll(name, "\\", "/")
	n = strings.TrimLeft(n, "/")
	if n == "" {
		return "", errors.New("empty path")
	}
	c := path.Clean(n)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", errors.New("path escapes the package root")
	}
	return c, nil
}

// resolve turns an OFD location (ST_Loc) found in the file at base into a
// root-relative name. Absolute locations start at the package root; relative
// ones are relative to the directory of the file that contains them.
func resolve(base, loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return "", errors.New("empty location")
	}
	if strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "\\") {
		return cleanName(loc)
	}
	return cleanName(path.Join(path.Dir(base), loc))
}

// has reports whether the package contains name.
func (p *pkg) has(name string) bool {
	_, ok := p.files[name]
	return ok
}

// read returns the decompressed bytes of the entry name, within the
// per-entry and total budgets; a budget error is kept in p.err.
func (p *pkg) read(name string) ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	f, ok := p.files[name]
	if !ok {
		return nil, fmt.Errorf("file %s is not in the package", "/"+name)
	}
	fail := func(e *LimitError) ([]byte, error) {
		p.err = e
		return nil, e
	}
	left := p.lim.MaxTotalSize - p.spent
	if f.data != nil {
		if int64(len(f.data)) > left {
			return fail(&LimitError{Budget: "MaxTotalSize", Max: p.lim.MaxTotalSize, Where: "the decompressed bytes read from the package (at /" + name + ")"})
		}
		p.spent += int64(len(f.data))
		return f.data, nil
	}
	rc, err := f.zf.Open()
	if err != nil {
		return nil, fmt.Errorf("file %s: cannot open zip entry: %v", "/"+name, err)
	}
	defer rc.Close()
	// Inflate at most one byte past the smaller budget: enough to know it is exceeded.
	n := min(p.lim.MaxEntrySize, left)
	b, err := io.ReadAll(io.LimitReader(rc, n+1))
	if int64(len(b)) > n {
		if n == p.lim.MaxEntrySize {
			return fail(&LimitError{Budget: "MaxEntrySize", Max: p.lim.MaxEntrySize, Where: "zip entry /" + name + " decompressed"})
		}
		return fail(&LimitError{Budget: "MaxTotalSize", Max: p.lim.MaxTotalSize, Where: "the decompressed bytes read from the package (at /" + name + ")"})
	}
	if err != nil {
		return nil, fmt.Errorf("file %s: cannot decompress zip entry: %v", "/"+name, err)
	}
	p.spent += int64(len(b))
	f.data = b
	return b, nil
}

// writeZip writes entries in order into a new ZIP archive. Entries whose name
// is in replaced get the new content; the others are copied unchanged
// (still compressed) from the source package so their bytes stay identical.
func writeZip(src *pkg, replaced map[string][]byte, added []string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	if src != nil {
		for _, name := range src.order {
			if data, ok := replaced[name]; ok {
				if err := write(name, data); err != nil {
					return nil, err
				}
				continue
			}
			f := src.files[name]
			// Copy keeps the original name; rename only if the archive used a
			// non-canonical one, which requires recompressing.
			if f.zf.Name == name {
				if err := zw.Copy(f.zf); err != nil {
					return nil, err
				}
				continue
			}
			data, err := src.read(name)
			if err != nil {
				return nil, err
			}
			if err := write(name, data); err != nil {
				return nil, err
			}
		}
	}
	for _, name := range added {
		if err := write(name, replaced[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
