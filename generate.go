package main

// The graph/ package is generated from schema.graphqls and gqlgen.yml.
//go:generate go run ./internal/gqlgenerate
