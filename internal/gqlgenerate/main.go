// Command gqlgenerate is the module's `go generate` step for graph/: gqlgen's
// own generator plus one plugin, inlineFields, that tells it to resolve the
// fields of some object types one after another on the goroutine that
// marshals the object.
//
// gqlgen starts a goroutine for every field of an object that has a
// resolver or a method taking a context (gqlgen's Object.DisableConcurrency
// is the only switch, and only the Mutation type sets it). For a
// Certificate that is six to ten goroutines per certificate, each with a
// wait group, for fields that read memory or a loader the parent list has
// already filled. Lists stay concurrent: gqlgen still marshals each element
// of a list on its own goroutine, so loaders keep batching across the
// elements of a list.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// inlineTypes are the object types resolved field by field on one
// goroutine. A field of one of these that waits on a dataloader waits its
// batching window in turn, so their list parents fill in what they need
// first (resolvers.primeCertificates: the surfaces, holders and files of a
// certificate list; the root holder query: the holder's certificates).
var inlineTypes = []string{"Certificate", "Holder"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgenerate:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no gqlgen.yml in this directory or above it")
	}
	if err != nil {
		return err
	}
	return api.Generate(cfg, api.AddPlugin(inlineFields{types: inlineTypes}))
}

// inlineFields is a gqlgen plugin: after gqlgen has built its model of the
// schema and before it writes the executor, it marks the named object types
// as not concurrent.
type inlineFields struct{ types []string }

// Name names the plugin in gqlgen's messages.
func (inlineFields) Name() string { return "inlineFields" }

// GenerateCode runs before gqlgen renders graph/generated.go from data.
func (p inlineFields) GenerateCode(data *codegen.Data) error {
	for _, name := range p.types {
		found := false
		for _, o := range data.Objects {
			if o.Name == name {
				o.DisableConcurrency = true
				found = true
			}
		}
		if !found {
			return fmt.Errorf("inlineFields: the schema has no object type %q", name)
		}
	}
	return nil
}
