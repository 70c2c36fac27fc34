package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

func TestReplicaName(t *testing.T) {
	for i, c := range []struct{ url, want string }{
		{"mysql://ro:s3cr@t@tcp(db2.example:3306)/certgraph?timeout=2s", "replica1:db2.example:3306/certgraph"},
		{"mysql://root@tcp(127.0.0.1:3308)/x", "replica2:127.0.0.1:3308/x"},
	} {
		if got := replicaName(c.url, i); got != c.want {
			t.Errorf("replicaName(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}

func TestIsConnectionError(t *testing.T) {
	for _, err := range []error{
		&net.OpError{Op: "dial", Err: errors.New("connect: connection refused")},
		fmt.Errorf("query: %w", context.DeadlineExceeded),
		errors.New("driver: bad connection"),
		errors.New("invalid connection"),
	} {
		if !isConnectionError(err) {
			t.Errorf("%v not taken for a connection error", err)
		}
	}
	for _, err := range []error{errors.New("Error 1146: Table 'x.y' doesn't exist"), errors.New("Error 1064: syntax")} {
		if isConnectionError(err) {
			t.Errorf("%v taken for a connection error", err)
		}
	}
}
