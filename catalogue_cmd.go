package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"certgraph/models"
)

// catalogueLine is one certificate type in the JSONL form of `certgraph
// catalogue import|export`.
type catalogueLine struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	HolderKind      string `json:"holderKind"`
	Local           *bool  `json:"local"`
	SurfaceTemplate []struct {
		Name       string `json:"name"`
		ColumnName string `json:"columnName"`
		ValueType  string `json:"valueType"`
	} `json:"surfaceTemplate"`
}

// certificateType turns a line into a type, saying which field is missing.
func (l catalogueLine) certificateType() (models.CertificateType, error) {
	if l.Local == nil {
		return models.CertificateType{}, models.Invalid("local", "is required (true when this province issues the type)")
	}
	t := models.CertificateType{Code: strings.TrimSpace(l.Code), Name: strings.TrimSpace(l.Name),
		HolderKind: models.HolderKind(strings.ToUpper(strings.TrimSpace(l.HolderKind))), Local: *l.Local, SurfaceTemplate: []models.SurfaceField{}}
	for _, f := range l.SurfaceTemplate {
		t.SurfaceTemplate = append(t.SurfaceTemplate, models.SurfaceField{Name: strings.TrimSpace(f.Name), ColumnName: strings.TrimSpace(f.ColumnName),
			ValueType: models.SurfaceValueType(strings.ToLower(strings.TrimSpace(f.ValueType)))})
	}
	return t, t.Validate()
}

// cmdCatalogue runs `certgraph catalogue import FILE.jsonl` and `certgraph
// catalogue export`: the certificate catalogue as data, one type a line.
// A bad line is reported with its number and nothing of it is stored; the
// others are; importing the same file again changes nothing.
func cmdCatalogue(ctx context.Context, cfg *config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] == "import") != (len(args) == 2) || (args[0] != "import" && args[0] != "export") || (args[0] == "export" && len(args) != 1) {
		return errors.New("usage: certgraph catalogue import FILE.jsonl | certgraph catalogue export")
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if args[0] == "export" {
		types, err := a.store.CertificateTypes(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, t := range types {
			l := map[string]any{"code": t.Code, "name": t.Name, "holderKind": string(t.HolderKind), "local": t.Local}
			tpl := []map[string]string{}
			for _, f := range t.SurfaceTemplate {
				tpl = append(tpl, map[string]string{"name": f.Name, "columnName": f.ColumnName, "valueType": string(f.ValueType)})
			}
			l["surfaceTemplate"] = tpl
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var defined, unchanged, rejected int
	for no := 1; sc.Scan(); no++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var l catalogueLine
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		err := dec.Decode(&l)
		var t models.CertificateType
		if err == nil {
			t, err = l.certificateType()
		}
		changed := false
		if err == nil {
			changed, err = a.store.DefineCertificateType(ctx, t)
		}
		switch {
		case err != nil:
			rejected++
			fmt.Fprintf(stdout, "line %d: %s\n", no, models.ErrorMessage(err))
		case changed:
			defined++
		default:
			unchanged++
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d types defined or changed, %d unchanged, %d rejected\n", defined, unchanged, rejected)
	if rejected > 0 {
		return fmt.Errorf("%d lines rejected", rejected)
	}
	return nil
}
