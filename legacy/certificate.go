package legacy

import (
	"strings"

	"certgraph/models"

	gojson "github.com/goccy/go-json"
)

// gqlCertificate is a Certificate as the legacy operations select it; every
// field is optional so one type serves every operation's selection.
type gqlCertificate struct {
	ID   string `json:"id"`
	Type struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"type"`
	Name   string `json:"name"`
	Number string `json:"number"`
	Holder struct {
		Code string `json:"code"`
		Name string `json:"name"`
		Type struct {
			Code string `json:"code"`
		} `json:"type"`
	} `json:"holder"`
	IssueDept struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"issueDept"`
	IssueDate   string  `json:"issueDate"`
	ValidFrom   string  `json:"validFrom"`
	ValidUntil  *string `json:"validUntil"`
	DigitalSign string  `json:"digitalSign"`
	Surfaces    []struct {
		Name       string `json:"name"`
		Value      string `json:"value"`
		ValueType  string `json:"valueType"`
		ColumnName string `json:"columnName"`
	} `json:"surfaces"`
	Status       string  `json:"status"`
	RevokedAt    *string `json:"revokedAt"`
	RevokeReason string  `json:"revokeReason"`
	FileLink     *struct {
		Format string `json:"format"`
		URL    string `json:"url"`
	} `json:"fileLink"`
}

// longTerm is the spec's text for an open-ended validity (长期).
const longTerm = "长期"

// specDate turns the graph's ISO date into YYYY年MM月DD日.
func specDate(iso string) string {
	if iso == "" {
		return ""
	}
	d, err := models.ParseDate(iso)
	if err != nil {
		return iso
	}
	return d.Spec()
}

// specValidUntil is certificateValidateEnd: a date, or 长期 for null.
func specValidUntil(iso *string) string {
	if iso == nil || *iso == "" {
		return longTerm
	}
	return specDate(*iso)
}

// head is the envelope head of tables 2–10 and 14.
type head struct {
	Message string `json:"message"`
	Status  string `json:"status"`
}

var okHead = head{Message: messageSuccess, Status: statusSuccess}

// oneCertificate reads the one certificate an operation answers under
// field; a null answer is the not-found failure with notFoundMessage.
func oneCertificate(data []byte, field, notFoundMessage string) (*gqlCertificate, *Failure) {
	var out map[string]*gqlCertificate
	if f := unmarshalData(data, &out); f != nil {
		return nil, f
	}
	if out[field] == nil {
		return nil, notFound("%s", notFoundMessage)
	}
	return out[field], nil
}

// downloadable is oneCertificate for the download tables 4 and 5: a revoked
// certificate is a failure saying so (证照已注销, with the day), as its
// layout file is no longer offered.
func downloadable(data []byte, field, notFoundMessage string) (*gqlCertificate, *Failure) {
	c, f := oneCertificate(data, field, notFoundMessage)
	if f == nil && !notRevoked(*c) {
		return nil, revoked(*c)
	}
	return c, f
}

// notRevoked keeps the certificates whose layout file may be downloaded.
func notRevoked(c gqlCertificate) bool { return c.Status != "REVOKED" }

// headFailure is the failure answer of tables whose output has a head:
// {"head": {"message": "接口调用失败：…", "status": "1"}}.
func headFailure(f *Failure) any {
	return struct {
		Head head `json:"head"`
	}{head{Message: f.Message(), Status: f.Status()}}
}

// fileSummary is one certificate of the download tables 3–5.
type fileSummary struct {
	CertificateType   string `json:"certificateType"`
	IssueDept         string `json:"issueDept"`
	CertificateNumber string `json:"certificateNumber"`
	IssueDate         string `json:"issueDate"`
	FileFormat        string `json:"fileFormat"`
	FileURL           string `json:"fileUrl"`
}

// toFileSummary maps a certificate with its fileLink; a certificate
// without a layout file has empty fileFormat and fileUrl.
func toFileSummary(c gqlCertificate) fileSummary {
	s := fileSummary{CertificateType: c.Type.Name, IssueDept: c.IssueDept.Name, CertificateNumber: c.Number, IssueDate: specDate(c.IssueDate)}
	if c.FileLink != nil {
		s.FileFormat, s.FileURL = strings.ToLower(c.FileLink.Format), c.FileLink.URL
	}
	return s
}

// surface is one item of 表7.
type surface struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	ValueType  string `json:"valueType"`
	ColumnName string `json:"columnName"`
}

// certificateInfo is one certificate of tables 6 and 8.
type certificateInfo struct {
	CertificateType          string    `json:"certificateType"`
	CertificateName          string    `json:"certificateName"`
	CertificateHolder        string    `json:"certificateHolder"`
	CertificateHolderCode    string    `json:"certificateHolderCode"`
	CertificateHolderType    string    `json:"certificateHolderType"`
	IssueDept                string    `json:"issueDept"`
	CertificateNumber        string    `json:"certificateNumber"`
	IssueDeptCode            string    `json:"issueDeptCode"`
	IssueDate                string    `json:"issueDate"`
	CertificateValidateStart string    `json:"certificateValidateStart"`
	CertificateValidateEnd   string    `json:"certificateValidateEnd"`
	DigitalSign              string    `json:"digitalSign"`
	Surface                  []surface `json:"Surface"`
}

// certificateInfoFragment is what 表6/表8 show of a certificate; the info
// operations (6.4.1, 6.4.2) select it and toCertificateInfo maps it.
const certificateInfoFragment = `
fragment CertificateInfo on Certificate {
  type { name }
  name
  holder { name code type { code } }
  issueDept { name code }
  number
  issueDate
  validFrom
  validUntil
  digitalSign
  surfaces { name value valueType columnName }
}`

func toCertificateInfo(c gqlCertificate) certificateInfo {
	out := certificateInfo{
		CertificateType: c.Type.Name, CertificateName: c.Name,
		CertificateHolder: c.Holder.Name, CertificateHolderCode: c.Holder.Code, CertificateHolderType: c.Holder.Type.Code,
		IssueDept: c.IssueDept.Name, CertificateNumber: c.Number, IssueDeptCode: c.IssueDept.Code,
		IssueDate: specDate(c.IssueDate), CertificateValidateStart: specDate(c.ValidFrom), CertificateValidateEnd: specValidUntil(c.ValidUntil),
		DigitalSign: c.DigitalSign, Surface: make([]surface, 0, len(c.Surfaces)),
	}
	for _, s := range c.Surfaces {
		out.Surface = append(out.Surface, surface{Name: s.Name, Value: s.Value, ValueType: strings.ToLower(s.ValueType), ColumnName: s.ColumnName})
	}
	return out
}

// unmarshalData decodes an operation's data into v. The data is this
// process's own executor's answer, not a caller's text, and decoding it
// was the largest cost a legacy read adds to its GraphQL operation (13 % of
// a 6.4.2 read's CPU with encoding/json, issue 8): goccy/go-json decodes it
// in a fifth of the time in a microbenchmark (3.7 % of a read in perf). TestDataDecodesAsEncodingJSON and
// FuzzDataDecodesAsEncodingJSON hold it to encoding/json's result.
func unmarshalData(data []byte, v any) *Failure {
	if err := gojson.Unmarshal(data, v); err != nil {
		return &Failure{Kind: KindOther, Reason: "其他异常：无法读取查询结果"}
	}
	return nil
}
