// Package bombs builds hostile layout files — deeply nested PDFs, zip and
// XML bombs — for the tests that prove the parsers' budgets hold (the
// packages' own tests and the end-to-end tests of the server). Only tests
// import it: none of it is linked into certgraph.
package bombs

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
)

// PDF assembles a PDF from numbered object bodies (object i+1 is objs[i])
// with a correct xref table and the given trailer entries.
func PDF(objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, x)
	return b.Bytes()
}

// NestedArrayPDF is a PDF whose catalog is depth nested arrays.
func NestedArrayPDF(depth int) []byte {
	return PDF([]string{strings.Repeat("[", depth) + strings.Repeat("]", depth)}, "/Root 1 0 R")
}

// Minimal OFD parts shared by the packages below.
const (
	OFDXML = `<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>` +
		`<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>`
	SignaturesXML = `<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Signature ID="1" Type="Seal" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>`
)

// ZipOFD is an OFD package whose one signature protects n files of size
// zero bytes each, refs times over, so that verification inflates every
// one of them. One compressed copy serves every entry: building it costs
// milliseconds whatever size is.
func ZipOFD(n int, size int64, refs int) ([]byte, error) {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	zero := make([]byte, 1<<20)
	crc := crc32.NewIEEE()
	for left := size; left > 0; left -= int64(len(zero)) {
		chunk := zero[:min(int64(len(zero)), left)]
		fw.Write(chunk)
		crc.Write(chunk)
	}
	fw.Close()
	var list strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		name := fmt.Sprintf("Doc_0/Res/blank_%d.bin", i)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(size)})
		if err != nil {
			return nil, err
		}
		w.Write(comp.Bytes())
		for range refs {
			fmt.Fprintf(&list, `<ofd:Reference FileRef="/%s"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference>`, name)
		}
	}
	return Zip(&buf, zw, map[string]string{
		"OFD.xml":                    OFDXML,
		"Doc_0/Document.xml":         `<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>`,
		"Doc_0/Signs/Signatures.xml": SignaturesXML,
		"Doc_0/Signs/Sign_0/Signature.xml": `<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo><ofd:References CheckMethod="1.2.156.10197.1.401">` +
			list.String() + `</ofd:References></ofd:SignedInfo><ofd:SignedValue>SignedValue.dat</ofd:SignedValue></ofd:Signature>`,
		"Doc_0/Signs/Sign_0/SignedValue.dat": "x",
	})
}

// Zip adds files (in name order) to zw, closes it and returns the archive
// written to buf.
func Zip(buf *bytes.Buffer, zw *zip.Writer, files map[string]string) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			return nil, err
		}
		io.WriteString(w, files[n])
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
