package resolvers

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DirectReads is the GraphQL extension that answers the hot reads itself:
// queries whose root fields are certificate, holder or certificates and
// whose selection asks only for the fields in directFields (the
// certificate's data, surfaces, type, department and holder, the holder's
// certificates). It walks the selection with gqlgen's own CollectFields,
// calls the same resolvers with the same context (root fields concurrently,
// the fields below them one after another, as gqlgen does for Certificate
// and Holder), and writes the JSON as it goes, instead of through gqlgen's
// executor, which builds a field context, a context value and closures for
// every field, trivial ones included, and marshals every list element on
// its own goroutine: that machinery was most of a cache-hot read's CPU
// (issue 8).
//
// Whatever it does not know goes to gqlgen, and so does every attempt that
// meets anything but a plain answer (an error below a root field, a null
// where the schema forbids one, a panic): gqlgen then runs the operation
// from the start. The attempt cannot leak into that run: its access records
// wait in a buffer of its own and its errors in a response context of its
// own, both dropped. An error of a root field itself (a certificate id that
// is not one, a caller without the role) is answered here as gqlgen would:
// null, and the error on the field's path.
//
// TestDirectReadsMatchGqlgen holds it to that: the same operations, through
// a server with and one without it, answer the same bytes and leave the same
// access records. It must be used after AuditFlush (innermost), and only
// where no field interceptor is registered: it calls resolvers directly.
type DirectReads struct {
	r         *Resolver
	presenter graphql.ErrorPresenterFunc
	recover   graphql.RecoverFunc
}

// DirectReads returns the extension; presenter and recover must be those
// the server was given, so that errors answered here read as gqlgen's.
func (r *Resolver) DirectReads(presenter graphql.ErrorPresenterFunc, recover graphql.RecoverFunc) DirectReads {
	return DirectReads{r: r, presenter: presenter, recover: recover}
}

// ExtensionName names the extension for gqlgen.
func (DirectReads) ExtensionName() string { return "DirectReads" }

// Validate accepts every schema.
func (DirectReads) Validate(graphql.ExecutableSchema) error { return nil }

// directFields are the fields the direct path answers, by type. A field
// belongs here only when its value is plain data or comes from a resolver
// without side effects beyond the access records it buffers (file links,
// encrypted ids and file contents mint or read something, and
// surfaceTemplate is a catalogue read nobody makes hot).
var directFields = map[string]map[string]bool{
	"Query": {"certificate": true, "holder": true, "certificates": true},
	"Certificate": {"id": true, "type": true, "name": true, "number": true, "holder": true, "issueDept": true,
		"issueDate": true, "validFrom": true, "validUntil": true, "status": true, "revokedAt": true, "revokeReason": true,
		"digitalSign": true, "surfaces": true, "region": true, "source": true, "signingKeyId": true},
	"Holder":          {"code": true, "type": true, "name": true, "kind": true, "province": true, "certificates": true},
	"Surface":         {"name": true, "value": true, "valueType": true, "columnName": true},
	"CertificateType": {"code": true, "name": true, "holderKind": true, "local": true},
	"Department":      {"code": true, "name": true, "province": true},
	"HolderType":      {"code": true, "name": true, "kind": true},
}

// The type conditions each object satisfies, as gqlgen's executor has them
// (certificates and holders are also federation entities).
var (
	directQuery           = []string{"Query"}
	directCertificate     = []string{"Certificate", "_Entity"}
	directHolder          = []string{"Holder", "_Entity"}
	directSurface         = []string{"Surface"}
	directCertificateType = []string{"CertificateType"}
	directDepartment      = []string{"Department"}
	directHolderType      = []string{"HolderType"}
)

// directEligible reports whether every field anywhere in sel, in every
// fragment and whatever @skip and @include decide, is one the direct path
// answers. The walk is as long as the document with its fragments spread,
// which the document limits (gqllimits) bound.
func directEligible(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if !onlySkipInclude(s.Directives) {
				return false
			}
			if s.Name == "__typename" {
				continue
			}
			if s.ObjectDefinition == nil || !directFields[s.ObjectDefinition.Name][s.Name] || !directEligible(s.SelectionSet) {
				return false
			}
		case *ast.InlineFragment:
			if !onlySkipInclude(s.Directives) || !directEligible(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !onlySkipInclude(s.Directives) || !directEligible(s.Definition.SelectionSet) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// onlySkipInclude reports whether ds holds no directive but @skip and
// @include (CollectFields applies those; @defer and the rest are gqlgen's).
func onlySkipInclude(ds ast.DirectiveList) bool {
	for _, d := range ds {
		if d.Name != "skip" && d.Name != "include" {
			return false
		}
	}
	return true
}

// InterceptResponse answers an eligible query directly, and hands anything
// else, or an attempt that gave up, to gqlgen.
func (d DirectReads) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	outer, buffered := ctx.Value(auditBufferKey{}).(*auditBuffer)
	// Errors already: gqlgen's DispatchError answering a refused operation
	// (over the complexity or depth limits, say) through the same response
	// interceptors, with the operation it refused in the context.
	if len(graphql.GetErrors(ctx)) > 0 || !buffered || oc.Operation == nil || oc.Operation.Operation != ast.Query || !directEligible(oc.Operation.SelectionSet) {
		return next(ctx)
	}
	ctx, replay := withDispatchReplay(ctx)
	resp, ok := d.attempt(ctx, oc, outer)
	d.r.metrics.ObserveDirectRead(ok)
	if ok {
		return resp
	}
	// gqlgen's run takes the attempt's national reads from their record
	// rather than asking the owning region a second time.
	replay.replay()
	return next(ctx)
}

// attempt runs the operation directly; ok false means gqlgen must run it.
func (d DirectReads) attempt(ctx context.Context, oc *graphql.OperationContext, outer *auditBuffer) (resp *graphql.Response, ok bool) {
	defer func() {
		if recover() != nil {
			// gqlgen runs it again and reports the panic its own way.
			resp, ok = nil, false
		}
	}()
	recs := &auditBuffer{}
	own := graphql.WithResponseContext(context.WithValue(ctx, auditBufferKey{}, recs), d.presenter, d.recover)
	x := &direct{r: d.r, oc: oc, w: bytes.NewBuffer(make([]byte, 0, 2048)), rootErrors: &atomic.Int64{}}
	if !x.query(own, oc.Operation.SelectionSet) || int64(len(graphql.GetErrors(own))) != x.rootErrors.Load() {
		return nil, false
	}
	outer.add(recs.take())
	// The outer context has no errors (InterceptResponse made sure): the
	// answer's are the root fields'.
	return &graphql.Response{Data: x.w.Bytes(), Errors: graphql.GetErrors(own), Extensions: graphql.GetExtensions(ctx)}, true
}

// direct is one direct run: the operation, its answer so far, and how many
// errors its root fields answered (any other error sends the operation to
// gqlgen; root fields may run concurrently, hence the atomic count).
type direct struct {
	r          *Resolver
	oc         *graphql.OperationContext
	w          *bytes.Buffer
	rootErrors *atomic.Int64
}

func (x *direct) query(ctx context.Context, sel ast.SelectionSet) bool {
	fields := graphql.CollectFields(x.oc, sel, directQuery)
	// As gqlgen's executor: the root fields' parent context names the Query.
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query"})
	// Root fields that read run concurrently, as in gqlgen's executor: a
	// query for several certificates waits for the slowest read, not for
	// their sum. Each writes its own part; the parts are joined in order.
	var parts []*direct
	reads := 0
	for i, f := range fields {
		if !written(fields, i) && f.Name != "__typename" {
			reads++
		}
	}
	if reads > 1 {
		parts = make([]*direct, len(fields))
		oks := make([]bool, len(fields))
		var wg sync.WaitGroup
		for i, f := range fields {
			if written(fields, i) || f.Name == "__typename" {
				continue
			}
			parts[i] = &direct{r: x.r, oc: x.oc, w: bytes.NewBuffer(make([]byte, 0, 1024)), rootErrors: x.rootErrors}
			wg.Go(func() {
				// A panic here would end the process, not the attempt.
				defer func() {
					if recover() != nil {
						oks[i] = false
					}
				}()
				oks[i] = parts[i].rootField(ctx, f)
			})
		}
		wg.Wait()
		for i, p := range parts {
			if p != nil && !oks[i] {
				return false
			}
		}
	}
	x.w.WriteByte('{')
	for i, f := range fields {
		if written(fields, i) {
			continue
		}
		x.key(i, f.Alias)
		switch {
		case f.Name == "__typename":
			x.str("Query")
		case parts != nil:
			x.w.Write(parts[i].w.Bytes())
		case !x.rootField(ctx, f):
			return false
		}
	}
	x.w.WriteByte('}')
	return true
}

// rootField writes one root field that reads.
func (x *direct) rootField(ctx context.Context, f graphql.CollectedField) bool {
	switch f.Name {
	case "certificate":
		return x.queryCertificate(ctx, f)
	case "holder":
		return x.queryHolder(ctx, f)
	case "certificates":
		return x.queryCertificates(ctx, f)
	}
	return false
}

// rootContext is the context gqlgen gives a root field's resolver.
func (x *direct) rootContext(ctx context.Context, f graphql.CollectedField, args map[string]any) context.Context {
	ctx = graphql.WithRootFieldContext(ctx, &graphql.RootFieldContext{Object: f.Name, Field: f})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: f, Args: args, IsMethod: true, IsResolver: true})
}

// rootError answers a nullable root field's error as gqlgen does: null,
// and the error with the field's path and location.
func (x *direct) rootError(ctx context.Context, err error) bool {
	err = graphql.AddFieldLocationToError(ctx, err)
	x.oc.Error(ctx, err) // one error each, for a list
	if list, ok := err.(gqlerror.List); ok {
		x.rootErrors.Add(int64(len(list)))
	} else {
		x.rootErrors.Add(1)
	}
	x.null()
	return true
}

func (x *direct) queryCertificate(ctx context.Context, f graphql.CollectedField) bool {
	raw := f.ArgumentMap(x.oc.Variables)
	id, err := graphql.UnmarshalID(raw["id"])
	if err != nil {
		return false
	}
	var useFor models.UseFor
	if err := useFor.UnmarshalGQL(raw["useFor"]); err != nil {
		return false
	}
	return nullableRoot(x, ctx, f, map[string]any{"id": id, "useFor": useFor},
		func(ctx context.Context) (*models.Certificate, error) {
			return x.r.Query().Certificate(ctx, id, useFor)
		},
		func(ctx context.Context, c *models.Certificate) bool {
			return x.certificate(ctx, graphql.CollectFields(x.oc, f.Selections, directCertificate), c)
		})
}

func (x *direct) queryHolder(ctx context.Context, f graphql.CollectedField) bool {
	raw := f.ArgumentMap(x.oc.Variables)
	code, err := graphql.UnmarshalString(raw["code"])
	if err != nil {
		return false
	}
	typ, ok := optionalString(raw["type"])
	if !ok {
		return false
	}
	return nullableRoot(x, ctx, f, map[string]any{"code": code, "type": typ},
		func(ctx context.Context) (*models.Holder, error) { return x.r.Query().Holder(ctx, code, typ) },
		func(ctx context.Context, h *models.Holder) bool {
			return x.holder(ctx, graphql.CollectFields(x.oc, f.Selections, directHolder), h)
		})
}

// nullableRoot answers a nullable root field: resolve, in the context
// gqlgen gives a root field's resolver (args are its arguments as
// gqlgen's executor passes them), then null, the error on the field's path,
// or what write writes.
func nullableRoot[T any](x *direct, ctx context.Context, f graphql.CollectedField, args map[string]any,
	resolve func(context.Context) (*T, error), write func(context.Context, *T) bool) bool {
	ctx = x.rootContext(ctx, f, args)
	v, err := resolve(ctx)
	switch {
	case err != nil:
		return x.rootError(ctx, err)
	case v == nil:
		x.null()
		return true
	}
	return write(ctx, v)
}

// queryCertificates is the root list: it is non-null, so its errors make
// the whole data null, and gqlgen answers those.
func (x *direct) queryCertificates(ctx context.Context, f graphql.CollectedField) bool {
	raw := f.ArgumentMap(x.oc.Variables)
	code, err := graphql.UnmarshalString(raw["holderCode"])
	if err != nil {
		return false
	}
	holderType, ok1 := optionalString(raw["holderType"])
	typ, ok2 := optionalString(raw["type"])
	number, ok3 := optionalString(raw["number"])
	var useFor models.UseFor
	if !ok1 || !ok2 || !ok3 || useFor.UnmarshalGQL(raw["useFor"]) != nil {
		return false
	}
	ctx = x.rootContext(ctx, f, map[string]any{"holderCode": code, "holderType": holderType, "type": typ, "number": number, "useFor": useFor})
	cs, err := x.r.Query().Certificates(ctx, code, holderType, typ, number, useFor)
	if err != nil {
		return false
	}
	return x.certificates(ctx, f.Selections, cs)
}

// optionalString is a nullable String argument as gqlgen passes it.
func optionalString(v any) (*string, bool) {
	if v == nil {
		return nil, true
	}
	s, err := graphql.UnmarshalString(v)
	return &s, err == nil
}

func (x *direct) certificates(ctx context.Context, sel ast.SelectionSet, cs []models.Certificate) bool {
	fields := graphql.CollectFields(x.oc, sel, directCertificate)
	x.w.WriteByte('[')
	for i := range cs {
		if i > 0 {
			x.w.WriteByte(',')
		}
		c := cs[i] // gqlgen hands each element's resolvers a copy
		if !x.certificate(ctx, fields, &c) {
			return false
		}
	}
	x.w.WriteByte(']')
	return true
}

func (x *direct) certificate(ctx context.Context, fields []graphql.CollectedField, c *models.Certificate) bool {
	cr := x.r.Certificate()
	return x.object(fields, "Certificate", func(f graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			x.str(c.ID)
		case "name":
			x.str(c.Name)
		case "issueDate":
			c.IssueDate.MarshalGQL(x.w)
		case "validFrom":
			c.ValidFrom.MarshalGQL(x.w)
		case "validUntil":
			x.nullable(c.ValidUntil == nil, func() { c.ValidUntil.MarshalGQL(x.w) })
		case "revokedAt":
			x.nullable(c.RevokedAt == nil, func() { models.MarshalTime(*c.RevokedAt).MarshalGQL(x.w) })
		case "revokeReason":
			x.str(c.RevokeReason)
		case "number":
			return x.text(cr.Number(ctx, c))
		case "digitalSign":
			return x.text(cr.DigitalSign(ctx, c))
		case "region":
			return x.text(cr.Region(ctx, c))
		case "status":
			return x.resolved(marshaler(cr.Status(ctx, c)))
		case "source":
			return x.resolved(marshaler(cr.Source(ctx, c)))
		case "signingKeyId":
			k, err := cr.SigningKeyID(ctx, c)
			if err != nil {
				return false
			}
			x.nullable(k == nil, func() { x.str(*k) })
		case "type":
			t, err := cr.Type(ctx, c)
			return err == nil && t != nil && x.certificateType(f.Selections, t)
		case "issueDept":
			d, err := cr.IssueDept(ctx, c)
			return err == nil && d != nil && x.department(f.Selections, d)
		case "holder":
			h, err := cr.Holder(ctx, c)
			return err == nil && h != nil && x.holder(ctx, graphql.CollectFields(x.oc, f.Selections, directHolder), h)
		case "surfaces":
			ss, err := cr.Surfaces(ctx, c)
			return err == nil && x.surfaces(f.Selections, ss)
		default:
			return false
		}
		return true
	})
}

func (x *direct) holder(ctx context.Context, fields []graphql.CollectedField, h *models.Holder) bool {
	hr := x.r.Holder()
	return x.object(fields, "Holder", func(f graphql.CollectedField) bool {
		switch f.Name {
		case "province":
			x.str(h.Province)
		case "code":
			return x.text(hr.Code(ctx, h))
		case "name":
			return x.text(hr.Name(ctx, h))
		case "kind":
			return x.resolved(marshaler(hr.Kind(ctx, h)))
		case "type":
			t, err := hr.Type(ctx, h)
			return err == nil && t != nil && x.holderType(f.Selections, t)
		case "certificates":
			raw := f.ArgumentMap(x.oc.Variables)
			var useFor models.UseFor
			typ, ok := optionalString(raw["type"])
			if !ok || useFor.UnmarshalGQL(raw["useFor"]) != nil {
				return false
			}
			// The resolver reads its own selection (primeCertificates).
			fctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Holder", Field: f,
				Args: map[string]any{"useFor": useFor, "type": typ}, IsMethod: true, IsResolver: true})
			cs, err := hr.Certificates(fctx, h, useFor, typ)
			return err == nil && x.certificates(fctx, f.Selections, cs)
		default:
			return false
		}
		return true
	})
}

func (x *direct) surfaces(sel ast.SelectionSet, ss []models.Surface) bool {
	fields := graphql.CollectFields(x.oc, sel, directSurface)
	x.w.WriteByte('[')
	for i := range ss {
		if i > 0 {
			x.w.WriteByte(',')
		}
		s := &ss[i]
		ok := x.object(fields, "Surface", func(f graphql.CollectedField) bool {
			switch f.Name {
			case "name":
				x.str(s.Name)
			case "value":
				x.str(s.Value)
			case "valueType":
				s.ValueType.MarshalGQL(x.w)
			case "columnName":
				x.str(s.ColumnName)
			default:
				return false
			}
			return true
		})
		if !ok {
			return false
		}
	}
	x.w.WriteByte(']')
	return true
}

func (x *direct) certificateType(sel ast.SelectionSet, t *models.CertificateType) bool {
	return x.object(graphql.CollectFields(x.oc, sel, directCertificateType), "CertificateType", func(f graphql.CollectedField) bool {
		switch f.Name {
		case "code":
			x.str(t.Code)
		case "name":
			x.str(t.Name)
		case "holderKind":
			t.HolderKind.MarshalGQL(x.w)
		case "local":
			graphql.MarshalBoolean(t.Local).MarshalGQL(x.w)
		default:
			return false
		}
		return true
	})
}

func (x *direct) department(sel ast.SelectionSet, d *models.Department) bool {
	return x.object(graphql.CollectFields(x.oc, sel, directDepartment), "Department", func(f graphql.CollectedField) bool {
		switch f.Name {
		case "code":
			x.str(d.Code)
		case "name":
			x.str(d.Name)
		case "province":
			x.str(d.Province)
		default:
			return false
		}
		return true
	})
}

func (x *direct) holderType(sel ast.SelectionSet, t *models.HolderType) bool {
	return x.object(graphql.CollectFields(x.oc, sel, directHolderType), "HolderType", func(f graphql.CollectedField) bool {
		switch f.Name {
		case "code":
			x.str(t.Code)
		case "name":
			x.str(t.Name)
		case "kind":
			t.Kind.MarshalGQL(x.w)
		default:
			return false
		}
		return true
	})
}

// object writes an object of type typename with its collected fields:
// __typename here, every other one by field, which reports false for a
// field it cannot answer. A repeated alias is written once (written).
func (x *direct) object(fields []graphql.CollectedField, typename string, field func(graphql.CollectedField) bool) bool {
	x.w.WriteByte('{')
	for i, f := range fields {
		if written(fields, i) {
			continue
		}
		x.key(i, f.Alias)
		if f.Name == "__typename" {
			x.str(typename)
		} else if !field(f) {
			return false
		}
	}
	x.w.WriteByte('}')
	return true
}

// nullable writes null, or what write writes.
func (x *direct) nullable(null bool, write func()) {
	if null {
		x.null()
	} else {
		write()
	}
}

// text writes a resolver's String! answer; false on its error.
func (x *direct) text(s string, err error) bool {
	if err != nil {
		return false
	}
	x.str(s)
	return true
}

// resolved writes a resolver's self-marshalling answer; false on its error.
func (x *direct) resolved(m graphql.Marshaler, err error) bool {
	if err != nil {
		return false
	}
	m.MarshalGQL(x.w)
	return true
}

// marshaler is a resolver's self-marshalling answer (an enum) as a
// Marshaler, for resolved.
func marshaler[T graphql.Marshaler](v T, err error) (graphql.Marshaler, error) { return v, err }

// written reports whether a field before fields[i] has its alias: gqlgen
// writes the first and skips the others (__typename asked both inside and
// outside a fragment on a union collects twice).
func written(fields []graphql.CollectedField, i int) bool {
	for j := 0; j < i; j++ {
		if fields[j].Alias == fields[i].Alias {
			return true
		}
	}
	return false
}

// key writes the name of fields[i] of an object; the first of fields is
// always written, so any later one follows a comma.
func (x *direct) key(i int, alias string) {
	if i > 0 {
		x.w.WriteByte(',')
	}
	x.str(alias)
	x.w.WriteByte(':')
}

func (x *direct) null() { x.w.WriteString("null") }

func (x *direct) str(s string) { writeQuoted(x.w, s) }

// writeQuoted writes s as a JSON string exactly as gqlgen's MarshalString
// does (TestWriteQuotedMatchesGqlgen, FuzzWriteQuoted), without its
// closure per string.
func writeQuoted(w *bytes.Buffer, s string) {
	const hex = "0123456789ABCDEF"
	w.WriteByte('"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		w.WriteString(s[start:i])
		switch c {
		case '\t':
			w.WriteString(`\t`)
		case '\r':
			w.WriteString(`\r`)
		case '\n':
			w.WriteString(`\n`)
		case '\\':
			w.WriteString(`\\`)
		case '"':
			w.WriteString(`\"`)
		default:
			w.WriteString(`\u00`)
			w.WriteByte(hex[c>>4])
			w.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
}
