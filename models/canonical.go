package models

import (
	"bytes"
	"strconv"
	"strings"
)

// CanonicalFormDoc documents the bytes digitalSign covers, for relying
// parties that verify offline. It is published with the platform key.
const CanonicalFormDoc = `digitalSign is an SM2 signature (GM/T 0003, SM3 digest, default user ID 1234567812345678, ASN.1 DER, base64)
over the UTF-8 text made of these lines, each "key=value" followed by a line feed (0x0A), in this order:
  certgraph-canonical-v1
  certificateID, certificateType (type code), certificateName, certificateNumber,
  certificateHolder, certificateHolderCode, certificateHolderType,
  issueDept, issueDeptCode, issueDate (YYYY-MM-DD),
  certificateValidateStart (YYYY-MM-DD), certificateValidateEnd (YYYY-MM-DD, or 长期 when long-term),
  then for each surface item in order (i from 0): Surface[i].name, Surface[i].columnName, Surface[i].valueType (string|picture), Surface[i].value.
In values, backslash is written \\, line feed \n and carriage return \r; nothing else is changed.
Example first lines: "certgraph-canonical-v1\ncertificateID=1.2.156.3005.2....\n".`

// CanonicalInput is everything digitalSign covers about one certificate.
type CanonicalInput struct {
	Certificate *Certificate
	Holder      *Holder
	Department  *Department
	Surfaces    []Surface
}

// CanonicalForm returns the bytes digitalSign signs (see CanonicalFormDoc).
func CanonicalForm(in CanonicalInput) []byte {
	var b bytes.Buffer
	b.WriteString("certgraph-canonical-v1\n")
	kv := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(canonicalEscaper.Replace(v))
		b.WriteByte('\n')
	}
	c := in.Certificate
	end := "长期"
	if c.ValidUntil != nil {
		end = c.ValidUntil.String()
	}
	kv("certificateID", c.ID)
	kv("certificateType", c.TypeCode)
	kv("certificateName", c.Name)
	kv("certificateNumber", c.Number)
	kv("certificateHolder", in.Holder.Name)
	kv("certificateHolderCode", in.Holder.Code)
	kv("certificateHolderType", in.Holder.TypeCode)
	kv("issueDept", in.Department.Name)
	kv("issueDeptCode", in.Department.Code)
	kv("issueDate", c.IssueDate.String())
	kv("certificateValidateStart", c.ValidFrom.String())
	kv("certificateValidateEnd", end)
	for i, s := range in.Surfaces {
		p := "Surface[" + strconv.Itoa(i) + "]."
		kv(p+"name", s.Name)
		kv(p+"columnName", s.ColumnName)
		kv(p+"valueType", string(s.ValueType))
		kv(p+"value", s.Value)
	}
	return b.Bytes()
}

var canonicalEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)
