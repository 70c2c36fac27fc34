package models

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// FileFormat is the format of a layout file (版式文件): PDF or OFD (GB/T 33190).
type FileFormat string

// Layout file formats, as the spec writes them in fileFormat.
const (
	FormatPDF FileFormat = "pdf"
	FormatOFD FileFormat = "ofd"
)

// ParseFileFormat reads pdf or ofd, case-insensitively.
func ParseFileFormat(s string) (FileFormat, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pdf":
		return FormatPDF, nil
	case "ofd":
		return FormatOFD, nil
	}
	return "", fmt.Errorf("%q is not a supported layout file format (pdf or ofd)", s)
}

// ContentType is the MIME type a download of this format is served with.
func (f FileFormat) ContentType() string {
	if f == FormatOFD {
		return "application/ofd"
	}
	return "application/pdf"
}

// MarshalGQL writes the enum name (PDF, OFD).
func (f FileFormat) MarshalGQL(w io.Writer) {
	io.WriteString(w, strconv.Quote(strings.ToUpper(string(f))))
}

// UnmarshalGQL reads the enum name.
func (f *FileFormat) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "FileFormat", func(s string) error {
		p, err := ParseFileFormat(s)
		*f = p
		return err
	})
}

// CodeType is a symbology for the code image of an encrypted identifier.
type CodeType string

// Code types (spec 6.4.4: GM and QR).
const (
	CodeQR CodeType = "QR"
	CodeGM CodeType = "GM"
)

// MarshalGQL writes the enum name.
func (c CodeType) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads the enum name.
func (c *CodeType) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "CodeType", func(s string) error {
		switch CodeType(strings.ToUpper(s)) {
		case CodeQR, CodeGM:
			*c = CodeType(strings.ToUpper(s))
			return nil
		}
		return fmt.Errorf("%q is not a code type (QR or GM)", s)
	})
}

// MaxFileSize is the largest layout file accepted (import, attach, verify).
const MaxFileSize = 5 << 20

// CertificateFile is a certificate's layout file (版式文件) with its digests:
// SM3 and SHA-256 identify the file in verification by file (6.5.2).
type CertificateFile struct {
	CertificateID string     `gorm:"primaryKey;size:128"`
	Format        FileFormat `gorm:"size:3;not null"`
	Size          int64      `gorm:"not null"`
	SM3           string     `gorm:"column:sm3;size:64;not null;index"`
	SHA256        string     `gorm:"column:sha256;size:64;not null;index"`
	Content       []byte     `gorm:"not null"`
	UploadedAt    time.Time  `gorm:"not null"`
}
