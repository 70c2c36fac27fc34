package ofd

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/big"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Signer is the identity that seals documents: an SM2 key and its certificate.
type Signer struct {
	// Key is the SM2 private key that signs.
	Key *sm2.PrivateKey
	// CertDER is the DER X.509 certificate of Key's public key; it is embedded
	// in the seal and in every signature.
	CertDER []byte
	// SealName is the name of the electronic seal (印章名称), e.g. the issuing
	// department; empty means the certificate's common name.
	SealName string
}

// ErrBadSigner is wrapped by Seal's errors about an unusable Signer.
var ErrBadSigner = errors.New("ofd: unusable signer")

// Seal geometry: a 40 mm round seal placed at the lower right of the last page.
const (
	sealSizeMM = 40.0
	sealPixels = 240
	sealVendor = "certgraph"
)

// Seal adds a GB/T 38540-2020 (SES v4) electronic seal to the OFD package in
// data and returns the new package. The signature protects every file outside
// the signatures directory plus the new seal file; existing signatures are
// kept (their protected files are not modified), so sealing twice yields two
// seals. The seal itself is made and signed by the same signer.
func Seal(data []byte, signer Signer) (out []byte, err error) {
	cert, err := checkSigner(signer)
	if err != nil {
		return nil, err
	}
	p, err := openPackage(data, Limits{})
	if err != nil {
		return nil, err
	}
	// A budget exceeded anywhere below refuses the package as such.
	defer func() {
		if p.err != nil {
			out, err = nil, p.err
		}
	}()
	ofdXML, _ := p.read("OFD.xml")
	var root xOFD
	if err := p.unmarshal("OFD.xml", ofdXML, &root); err != nil {
		return nil, fmt.Errorf("%w: /OFD.xml: %v", ErrMalformed, err)
	}
	if len(root.DocBodies) == 0 || strings.TrimSpace(root.DocBodies[0].DocRoot) == "" {
		return nil, fmt.Errorf("%w: /OFD.xml has no DocBody/DocRoot", ErrMalformed)
	}
	body := root.DocBodies[0]
	docRoot, err := resolve("OFD.xml", body.DocRoot)
	if err != nil {
		return nil, fmt.Errorf("%w: DocRoot %q: %v", ErrMalformed, body.DocRoot, err)
	}
	docXML, err := p.read(docRoot)
	if err != nil {
		return nil, fmt.Errorf("%w: DocRoot: %v", ErrMalformed, err)
	}
	if err := p.checkXML(docRoot, docXML); err != nil {
		return nil, err
	}

	replaced := map[string][]byte{}
	var added []string
	add := func(name string, b []byte) {
		if _, ok := replaced[name]; !ok && !p.has(name) {
			added = append(added, name)
		}
		replaced[name] = b
	}

	// Where the signature list lives; OFD.xml gains a pointer to it if needed.
	var listPath string
	if strings.TrimSpace(body.Signatures) != "" {
		if listPath, err = resolve("OFD.xml", body.Signatures); err != nil {
			return nil, fmt.Errorf("%w: Signatures location %q: %v", ErrMalformed, body.Signatures, err)
		}
	} else {
		listPath = path.Join(path.Dir(docRoot), "Signs", "Signatures.xml")
		newOFD, err := insertSignaturesRef(ofdXML, "/"+listPath)
		if err != nil {
			return nil, err
		}
		add("OFD.xml", newOFD)
	}
	signsDir := path.Dir(listPath)
	var list xSignatures
	if p.has(listPath) {
		raw, _ := p.read(listPath)
		if err := p.unmarshal(listPath, raw, &list); err != nil {
			return nil, fmt.Errorf("%w: /%s: %v", ErrMalformed, listPath, err)
		}
	}
	sigID := nextSignID(list)
	n := 0
	for hasPrefix(p, fmt.Sprintf("%s/Sign_%d/", signsDir, n)) {
		n++
	}
	signDir := fmt.Sprintf("%s/Sign_%d", signsDir, n)
	sigPath, sealPath, valuePath := signDir+"/Signature.xml", signDir+"/Seal.esl", signDir+"/SignedValue.dat"

	now := time.Now().UTC().Truncate(time.Second)
	sealName := strings.TrimSpace(signer.SealName)
	if sealName == "" {
		sealName = cert.Subject.CommonName
	}
	eseal, err := makeSeal(signer, cert, sealName, now)
	if err != nil {
		return nil, err
	}
	add(sealPath, eseal)

	// References: every file outside the signatures directory, plus the seal.
	var refs strings.Builder
	ref := func(name string, content []byte) {
		sum := sm3.Sum(content)
		fmt.Fprintf(&refs, `<ofd:Reference FileRef="/%s"><ofd:CheckValue>%s</ofd:CheckValue></ofd:Reference>`,
			esc(name), base64.StdEncoding.EncodeToString(sum[:]))
	}
	for _, name := range p.order {
		if strings.HasPrefix(name, signsDir+"/") {
			continue
		}
		content, ok := replaced[name]
		if !ok {
			if content, err = p.read(name); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
		}
		ref(name, content)
	}
	ref(sealPath, eseal)

	var sx strings.Builder
	sx.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	sx.WriteString(`<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo>`)
	fmt.Fprintf(&sx, `<ofd:Provider ProviderName="%s" Company="%s" Version="1.0"/>`, sealVendor, sealVendor)
	fmt.Fprintf(&sx, `<ofd:SignatureMethod>%s</ofd:SignatureMethod>`, oidSM2WithSM3)
	fmt.Fprintf(&sx, `<ofd:SignatureDateTime>%s</ofd:SignatureDateTime>`, now.Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(&sx, `<ofd:References CheckMethod="%s">%s</ofd:References>`, oidSM3, refs.String())
	if pageID, box, ok := lastPage(docXML); ok {
		fmt.Fprintf(&sx, `<ofd:StampAnnot ID="%s" PageRef="%s" Boundary="%s %s %s %s"/>`, esc(sigID), esc(pageID),
			num(box[2]-margin-sealSizeMM), num(box[3]-margin-sealSizeMM), num(sealSizeMM), num(sealSizeMM))
	}
	fmt.Fprintf(&sx, `<ofd:Seal><ofd:BaseLoc>/%s</ofd:BaseLoc></ofd:Seal>`, sealPath)
	fmt.Fprintf(&sx, `</ofd:SignedInfo><ofd:SignedValue>/%s</ofd:SignedValue></ofd:Signature>`, valuePath)
	sigXML := []byte(sx.String())
	add(sigPath, sigXML)

	value, err := signSESv4(signer, eseal, sigXML, "/"+sigPath, now)
	if err != nil {
		return nil, err
	}
	add(valuePath, value)

	var sl strings.Builder
	sl.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	sl.WriteString(`<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016">`)
	fmt.Fprintf(&sl, `<ofd:MaxSignId>%s</ofd:MaxSignId>`, esc(sigID))
	for _, e := range list.Signatures {
		sl.WriteString(`<ofd:Signature`)
		if e.ID != "" {
			fmt.Fprintf(&sl, ` ID="%s"`, esc(e.ID))
		}
		if e.Type != "" {
			fmt.Fprintf(&sl, ` Type="%s"`, esc(e.Type))
		}
		fmt.Fprintf(&sl, ` BaseLoc="%s"/>`, esc(e.BaseLoc))
	}
	fmt.Fprintf(&sl, `<ofd:Signature ID="%s" Type="Seal" BaseLoc="/%s"/>`, esc(sigID), sigPath)
	sl.WriteString(`</ofd:Signatures>`)
	add(listPath, []byte(sl.String()))

	return writeZip(p, replaced, added)
}

// checkSigner makes sure the key and certificate belong together and are SM2.
func checkSigner(s Signer) (*smx509.Certificate, error) {
	if s.Key == nil {
		return nil, fmt.Errorf("%w: Key is nil", ErrBadSigner)
	}
	if len(s.CertDER) == 0 {
		return nil, fmt.Errorf("%w: CertDER is empty", ErrBadSigner)
	}
	cert, err := smx509.ParseCertificate(s.CertDER)
	if err != nil {
		return nil, fmt.Errorf("%w: CertDER: %v", ErrBadSigner, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fmt.Errorf("%w: certificate %s does not hold an SM2 public key", ErrBadSigner, cert.Subject)
	}
	if !pub.Equal(&s.Key.PublicKey) {
		return nil, fmt.Errorf("%w: certificate %s is not for this key", ErrBadSigner, cert.Subject)
	}
	return cert, nil
}

// makeSeal builds a DER SESeal (v4): seal info with the signer certificate as
// the only authorised signer and a round seal picture, signed by the maker
// over DER(SES_SealInfo), as the reference seals of two independent producers do.
func makeSeal(s Signer, cert *smx509.Certificate, name string, now time.Time) ([]byte, error) {
	certList, err := asn1.Marshal([][]byte{s.CertDER})
	if err != nil {
		return nil, err
	}
	prop, err := asn1.Marshal(sesPropertyV4{
		Type:         1, // 单位印章 (organisation seal)
		Name:         name,
		CertListType: 1,
		CertList:     asn1.RawValue{FullBytes: certList},
		CreateDate:   now,
		ValidStart:   cert.NotBefore.UTC(),
		ValidEnd:     cert.NotAfter.UTC(),
	})
	if err != nil {
		return nil, err
	}
	id := sm3.Sum(s.CertDER)
	info, err := asn1.Marshal(sesSealInfo{
		Header:   sesHeader{ID: "ES", Version: 4, Vid: sealVendor},
		EsID:     hex.EncodeToString(id[:16]),
		Property: asn1.RawValue{FullBytes: prop},
		Picture:  sesPicture{Type: "PNG", Data: sealPicture(), Width: sealSizeMM, Height: sealSizeMM},
	})
	if err != nil {
		return nil, err
	}
	sig, err := s.Key.Sign(rand.Reader, info, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return nil, fmt.Errorf("ofd: signing seal info: %w", err)
	}
	return asn1.Marshal(sesSealV4{
		SealInfo:    asn1.RawValue{FullBytes: info},
		Cert:        s.CertDER,
		SignAlgID:   oidSM2WithSM3,
		SignedValue: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
}

// signSESv4 makes SignedValue.dat: an SES_Signature whose TBS_Sign binds the
// seal to SM3(Signature.xml), signed with SM2 over DER(TBS_Sign).
func signSESv4(s Signer, eseal, sigXML []byte, sigLoc string, now time.Time) ([]byte, error) {
	digest := sm3.Sum(sigXML)
	ti, err := asn1.MarshalWithParams(now, "generalized")
	if err != nil {
		return nil, err
	}
	tbs, err := asn1.Marshal(tbsSignV4{
		Version:      4,
		ESeal:        asn1.RawValue{FullBytes: eseal},
		TimeInfo:     asn1.RawValue{FullBytes: ti},
		DataHash:     asn1.BitString{Bytes: digest[:], BitLength: 8 * len(digest)},
		PropertyInfo: sigLoc,
	})
	if err != nil {
		return nil, err
	}
	sig, err := s.Key.Sign(rand.Reader, tbs, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return nil, fmt.Errorf("ofd: signing: %w", err)
	}
	return asn1.Marshal(sesSignatureV4{
		ToSign:         asn1.RawValue{FullBytes: tbs},
		Cert:           s.CertDER,
		SignatureAlgID: oidSM2WithSM3,
		Signature:      asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
}

// docBodyEnd finds the end tag of the first DocBody, whatever its prefix.
var docBodyEnd = regexp.MustCompile(`</([A-Za-z_][\w.-]*:)?DocBody\s*>`)

// insertSignaturesRef adds <Signatures>loc</Signatures> to the first DocBody.
func insertSignaturesRef(ofdXML []byte, loc string) ([]byte, error) {
	m := docBodyEnd.FindSubmatchIndex(ofdXML)
	if m == nil {
		return nil, fmt.Errorf("%w: /OFD.xml has no DocBody end tag", ErrMalformed)
	}
	prefix := ""
	if m[2] >= 0 {
		prefix = string(ofdXML[m[2]:m[3]])
	}
	var b bytes.Buffer
	b.Write(ofdXML[:m[0]])
	fmt.Fprintf(&b, "<%sSignatures>%s</%sSignatures>", prefix, esc(loc), prefix)
	b.Write(ofdXML[m[0]:])
	return b.Bytes(), nil
}

// nextSignID returns an ID above every numeric ID already used.
func nextSignID(list xSignatures) string {
	max := 0
	for _, s := range append([]string{list.MaxSignID}, ids(list)...) {
		if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && v > max {
			max = v
		}
	}
	return strconv.Itoa(max + 1)
}

func ids(list xSignatures) []string {
	out := make([]string, len(list.Signatures))
	for i, s := range list.Signatures {
		out[i] = s.ID
	}
	return out
}

// hasPrefix reports whether any package file lies under dir (ending in "/").
func hasPrefix(p *pkg, dir string) bool {
	for _, name := range p.order {
		if strings.HasPrefix(name, dir) {
			return true
		}
	}
	return false
}

// lastPage returns the ID and physical box of the document's last page.
func lastPage(docXML []byte) (string, [4]float64, bool) {
	var d struct {
		PhysicalBox string  `xml:"CommonData>PageArea>PhysicalBox"`
		Pages       []xPage `xml:"Pages>Page"`
	}
	box := [4]float64{0, 0, pageW, pageH}
	if err := xml.Unmarshal(docXML, &d); err != nil || len(d.Pages) == 0 || d.Pages[len(d.Pages)-1].ID == "" {
		return "", box, false
	}
	if f := strings.Fields(d.PhysicalBox); len(f) == 4 {
		var v [4]float64
		ok := true
		for i := range f {
			x, err := strconv.ParseFloat(f[i], 64)
			ok = ok && err == nil
			v[i] = x
		}
		if ok && v[2] > 2*(margin+sealSizeMM) && v[3] > 2*(margin+sealSizeMM) {
			box = v
		}
	}
	return d.Pages[len(d.Pages)-1].ID, box, true
}

var (
	sealPNGOnce sync.Once
	sealPNG     []byte
)

// sealPicture draws the seal image once: a red ring around a five-pointed
// star on a transparent background, the customary shape of a round seal.
func sealPicture() []byte {
	sealPNGOnce.Do(func() {
		const n = sealPixels
		img := image.NewNRGBA(image.Rect(0, 0, n, n))
		red := color.NRGBA{R: 0xD9, G: 0x1E, B: 0x18, A: 0xFF}
		c := float64(n) / 2
		outer, inner := c-2, c-2-float64(n)/20
		// Star vertices alternate between the outer and inner radius.
		var star [10][2]float64
		for i := range star {
			r := c * 0.38
			if i%2 == 1 {
				r *= 0.382
			}
			a := -math.Pi/2 + float64(i)*math.Pi/5
			star[i] = [2]float64{c + r*math.Cos(a), c + r*math.Sin(a)}
		}
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				fx, fy := float64(x)+0.5, float64(y)+0.5
				d := math.Hypot(fx-c, fy-c)
				if (d <= outer && d >= inner) || inPolygon(fx, fy, star[:]) {
					img.SetNRGBA(x, y, red)
				}
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			panic("ofd: encoding seal picture: " + err.Error()) // in-memory encode of a valid image cannot fail
		}
		sealPNG = b.Bytes()
	})
	return sealPNG
}

// inPolygon is the even-odd point-in-polygon test.
func inPolygon(x, y float64, poly [][2]float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		xi, yi, xj, yj := poly[i][0], poly[i][1], poly[j][0], poly[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// NewSelfSignedCert creates a self-signed SM2 X.509 certificate (DER) for key
// with the given common name, valid for ten years from now. It is a CA
// certificate so that it can serve as its own trust anchor.
func NewSelfSignedCert(key *sm2.PrivateKey, commonName string) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: key is nil", ErrBadSigner)
	}
	if strings.TrimSpace(commonName) == "" {
		return nil, fmt.Errorf("%w: common name is empty", ErrBadSigner)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: commonName, Country: []string{"CN"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SignatureAlgorithm:    smx509.SM2WithSM3,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("ofd: creating certificate: %w", err)
	}
	return der, nil
}
