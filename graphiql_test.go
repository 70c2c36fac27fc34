package main

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"certgraph/internal/browsertest"
	"certgraph/internal/graphiql"
)

// TestGraphiQLOfflineAgainstTheRealServer opens GraphiQL from certgraph
// itself in headless Chromium with every non-loopback request blocked, runs
// a query with an analyst's token and sees the answer.
func TestGraphiQLOfflineAgainstTheRealServer(t *testing.T) {
	if !graphiql.Offline() {
		msg := "GraphiQL bundles are not embedded: run `go generate ./internal/graphiql` first"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	e := newTestEnv(t, nil)
	e.standardFixture(3, 2)
	_, tok := e.withRoles("ANALYST")
	q := url.Values{
		"query":   {"{ statistics { total byStatus { key count } } }"},
		"headers": {`{"Authorization": "Bearer ` + tok + `"}`},
	}
	b := browsertest.New(t)
	b.Navigate(e.url + "/graphiql?" + q.Encode())
	b.WaitText(".graphiql-query-editor", "statistics")
	b.Click(".graphiql-execute-button")
	got := b.WaitText(".graphiql-response", `"total": 4`)
	if !strings.Contains(got, "VALID") {
		t.Fatalf("response pane: %s", got)
	}
	b.Screenshot("statistics")
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Fatalf("GraphiQL reached outside this machine: %v", ext)
	}
	// / redirects to GraphiQL.
	b.Navigate(e.url + "/")
	b.WaitVisible(".graphiql-query-editor")
}
