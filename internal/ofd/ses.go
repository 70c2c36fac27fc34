package ofd

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// ASN.1 structures of the electronic seal formats. v4 is GB/T 38540-2020,
// v1 is GM/T 0031-2014. Fields that only need to be carried are kept raw so
// that the exact signed bytes are verified, never a re-encoding.

// oidSM2WithSM3 identifies the SM2 signature over SM3 (GM/T 0006).
var oidSM2WithSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}

// oidSM3 is the SM3 digest algorithm, also accepted as a Reference CheckMethod.
const oidSM3 = "1.2.156.10197.1.401"

// sesHeader is SES_Header: the "ES" tag, the format version and the vendor ID.
type sesHeader struct {
	ID      string `asn1:"ia5"`
	Version int
	Vid     string `asn1:"ia5"`
}

// sesPicture is SES_ESPictrueInfo (sic): the seal image.
type sesPicture struct {
	Type   string `asn1:"ia5"`
	Data   []byte
	Width  int
	Height int
}

// sesPropertyV4 is the v4 SES_ESPropertyInfo.
type sesPropertyV4 struct {
	Type         int
	Name         string `asn1:"utf8"`
	CertListType int
	CertList     asn1.RawValue
	CreateDate   time.Time `asn1:"generalized"`
	ValidStart   time.Time `asn1:"generalized"`
	ValidEnd     time.Time `asn1:"generalized"`
}

// sesSealInfo is SES_SealInfo as used by v4 (and, with a different
// property layout, v1). Property is kept raw because its time types differ.
type sesSealInfo struct {
	Header   sesHeader
	EsID     string `asn1:"ia5"`
	Property asn1.RawValue
	Picture  sesPicture
	ExtDatas asn1.RawValue `asn1:"optional"`
}

// sesSealV4 is the v4 SESeal: seal info signed by the seal maker.
type sesSealV4 struct {
	SealInfo    asn1.RawValue
	Cert        []byte
	SignAlgID   asn1.ObjectIdentifier
	SignedValue asn1.BitString
}

// tbsSignV4 is the v4 TBS_Sign: what the signer signs.
type tbsSignV4 struct {
	Version      int
	ESeal        asn1.RawValue
	TimeInfo     asn1.RawValue // GeneralizedTime
	DataHash     asn1.BitString
	PropertyInfo string        `asn1:"ia5"`
	ExtDatas     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// sesSignatureV4 is the v4 SES_Signature stored in SignedValue.dat.
type sesSignatureV4 struct {
	ToSign         asn1.RawValue
	Cert           []byte
	SignatureAlgID asn1.ObjectIdentifier
	Signature      asn1.BitString
	TimeStamp      asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// sesSignatureV1 is the v1 SES_Signature: a TBS_Sign and its signature.
type sesSignatureV1 struct {
	ToSign    asn1.RawValue
	Signature asn1.BitString
}

// tbsSignV1 is the v1 TBS_Sign. timeInfo and dataHash are BIT STRINGs in the
// standard, but some producers write OCTET STRINGs, so both stay raw.
type tbsSignV1 struct {
	Version            int
	ESeal              asn1.RawValue
	TimeInfo           asn1.RawValue
	DataHash           asn1.RawValue
	PropertyInfo       asn1.RawValue
	Cert               []byte
	SignatureAlgorithm asn1.ObjectIdentifier
}

// sesSealV1 is the v1 SESeal: seal info and the maker's SES_SignInfo.
type sesSealV1 struct {
	SealInfo asn1.RawValue
	SignInfo asn1.RawValue `asn1:"optional"`
}

// parsedSES is what verification needs from an SES_Signature of either version.
type parsedSES struct {
	version   int // 1 or 4
	tbsRaw    []byte
	dataHash  []byte
	signTime  time.Time
	certDER   []byte
	algID     asn1.ObjectIdentifier
	signature []byte
	sealRaw   []byte
	property  string
}

// parseSES decodes SignedValue.dat as a v1 or v4 SES_Signature. The version
// is told apart by the outer SEQUENCE length (2 for v1, 4 or 5 for v4) and
// confirmed by TBS_Sign.version.
func parseSES(der []byte) (*parsedSES, error) {
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(der, &outer)
	if err != nil {
		return nil, fmt.Errorf("not DER: %v", err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d trailing bytes after SES_Signature", len(rest))
	}
	if outer.Class != asn1.ClassUniversal || outer.Tag != asn1.TagSequence {
		return nil, errors.New("SES_Signature is not a SEQUENCE")
	}
	n, err := countElements(outer.Bytes)
	if err != nil {
		return nil, fmt.Errorf("SES_Signature: %v", err)
	}
	switch n {
	case 2:
		return parseSESv1(der)
	case 4, 5:
		return parseSESv4(der)
	default:
		return nil, fmt.Errorf("SES_Signature has %d fields; neither GM/T 0031-2014 (2) nor GB/T 38540 (4-5)", n)
	}
}

func parseSESv4(der []byte) (*parsedSES, error) {
	var s sesSignatureV4
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return nil, fmt.Errorf("SES_Signature (v4): %v", err)
	}
	var tbs tbsSignV4
	if rest, err := asn1.Unmarshal(s.ToSign.FullBytes, &tbs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("TBS_Sign (v4): %v", errOrTrailing(err, rest))
	}
	if tbs.Version != 4 {
		return nil, fmt.Errorf("TBS_Sign version is %d; only GB/T 38540 version 4 is supported for this layout", tbs.Version)
	}
	t, err := parseTime(tbs.TimeInfo)
	if err != nil {
		return nil, fmt.Errorf("TBS_Sign.timeInfo: %v", err)
	}
	return &parsedSES{
		version:   4,
		tbsRaw:    s.ToSign.FullBytes,
		dataHash:  tbs.DataHash.Bytes,
		signTime:  t,
		certDER:   s.Cert,
		algID:     s.SignatureAlgID,
		signature: s.Signature.Bytes,
		sealRaw:   tbs.ESeal.FullBytes,
		property:  tbs.PropertyInfo,
	}, nil
}

func parseSESv1(der []byte) (*parsedSES, error) {
	var s sesSignatureV1
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return nil, fmt.Errorf("SES_Signature (v1): %v", err)
	}
	var tbs tbsSignV1
	if rest, err := asn1.Unmarshal(s.ToSign.FullBytes, &tbs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("TBS_Sign (v1): %v", errOrTrailing(err, rest))
	}
	if tbs.Version != 1 {
		return nil, fmt.Errorf("TBS_Sign version is %d; a two-field SES_Signature must be GM/T 0031-2014 version 1", tbs.Version)
	}
	hash, err := bitsOrOctets(tbs.DataHash)
	if err != nil {
		return nil, fmt.Errorf("TBS_Sign.dataHash: %v", err)
	}
	p := &parsedSES{
		version:   1,
		tbsRaw:    s.ToSign.FullBytes,
		dataHash:  hash,
		certDER:   tbs.Cert,
		algID:     tbs.SignatureAlgorithm,
		signature: s.Signature.Bytes,
		sealRaw:   tbs.ESeal.FullBytes,
		property:  string(tbs.PropertyInfo.Bytes),
	}
	// v1 timeInfo is a BIT STRING holding a time text; report it when readable.
	if tb, err := bitsOrOctets(tbs.TimeInfo); err == nil {
		p.signTime = parseTimeText(string(tb))
	} else if t, err := parseTime(tbs.TimeInfo); err == nil {
		p.signTime = t
	}
	return p, nil
}

// sealSummary is what the report shows about the seal embedded in a signature.
type sealSummary struct {
	name       string
	esID       string
	validStart time.Time
	validEnd   time.Time
	certs      [][]byte // signer certificates listed in the seal (certListType 1)
	digests    [][]byte // or their digests (certListType 2)
}

// parseSealSummary reads name, ID and validity of an embedded SESeal. It is
// informative only; a seal it cannot read does not affect the signature check.
func parseSealSummary(raw []byte, version int) (*sealSummary, error) {
	var infoRaw []byte
	if version == 4 {
		var s sesSealV4
		if _, err := asn1.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		infoRaw = s.SealInfo.FullBytes
	} else {
		var s sesSealV1
		if _, err := asn1.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		infoRaw = s.SealInfo.FullBytes
	}
	var info sesSealInfo
	if _, err := asn1.Unmarshal(infoRaw, &info); err != nil {
		return nil, err
	}
	sum := &sealSummary{esID: info.EsID}
	// Both versions share type, name, certList(-type) and three times; v1 has
	// no certListType and uses UTCTime, so walk the elements generically.
	var elems []asn1.RawValue
	rest := info.Property.Bytes
	for len(rest) > 0 {
		var e asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &e); err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
	if len(elems) < 2 {
		return nil, errors.New("seal property info too short")
	}
	sum.name = string(elems[1].Bytes)
	var times []time.Time
	listType := 1
	for i, e := range elems[2:] {
		if t, err := parseTime(e); err == nil {
			times = append(times, t)
			continue
		}
		if e.Tag == asn1.TagInteger && i == 0 {
			var v int
			if _, err := asn1.Unmarshal(e.FullBytes, &v); err == nil {
				listType = v
			}
			continue
		}
		if e.Tag == asn1.TagSequence {
			items := e.Bytes
			for len(items) > 0 {
				var it asn1.RawValue
				var err error
				if items, err = asn1.Unmarshal(items, &it); err != nil {
					break
				}
				if listType == 2 && it.Tag == asn1.TagSequence {
					var d struct {
						Type  asn1.RawValue
						Value []byte
					}
					if _, err := asn1.Unmarshal(it.FullBytes, &d); err == nil {
						sum.digests = append(sum.digests, d.Value)
					}
				} else if it.Tag == asn1.TagOctetString {
					sum.certs = append(sum.certs, it.Bytes)
				}
			}
		}
	}
	if len(times) == 3 {
		sum.validStart, sum.validEnd = times[1], times[2]
	}
	return sum, nil
}

// countElements counts the DER elements in the contents of a constructed value.
func countElements(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		var e asn1.RawValue
		var err error
		if b, err = asn1.Unmarshal(b, &e); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// bitsOrOctets returns the payload of a BIT STRING or OCTET STRING.
func bitsOrOctets(v asn1.RawValue) ([]byte, error) {
	switch {
	case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagBitString:
		var bs asn1.BitString
		if _, err := asn1.Unmarshal(v.FullBytes, &bs); err != nil {
			return nil, err
		}
		return bs.Bytes, nil
	case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString:
		return v.Bytes, nil
	}
	return nil, fmt.Errorf("expected BIT STRING or OCTET STRING, found tag %d", v.Tag)
}

// parseTime decodes a GeneralizedTime or UTCTime element.
func parseTime(v asn1.RawValue) (time.Time, error) {
	var t time.Time
	switch {
	case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagGeneralizedTime:
		_, err := asn1.UnmarshalWithParams(v.FullBytes, &t, "generalized")
		return t, err
	case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagUTCTime:
		_, err := asn1.UnmarshalWithParams(v.FullBytes, &t, "utc")
		return t, err
	}
	return t, fmt.Errorf("expected a time, found tag %d", v.Tag)
}

// parseTimeText reads the textual times v1 producers put in timeInfo.
func parseTimeText(s string) time.Time {
	for _, f := range []string{"20060102150405Z0700", "20060102150405Z", "060102150405Z", "2006-01-02 15:04:05", time.RFC3339} {
		if t, err := time.Parse(f, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func errOrTrailing(err error, rest []byte) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%d trailing bytes", len(rest))
}
