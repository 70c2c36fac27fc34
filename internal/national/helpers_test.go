package national

import (
	"fmt"
	"testing"

	"certgraph/internal/ident"
)

const testType = "11100000000013338W032"

// certID makes a valid identifier issued in region with the given serial.
func certID(t testing.TB, region string, serial int) string {
	t.Helper()
	first17 := "11" + region + "0000000000000"
	c, err := ident.CreditCodeCheck(first17)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ident.NewCertID(testType, first17+string(c), fmt.Sprint(serial), "001")
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}
