package national

import "testing"

func TestOwnerAndLocate(t *testing.T) {
	nodes := RegistryFunc(func(r string) bool { return r == "51" || r == "50" })
	for _, tc := range []struct {
		issued, owner string
		routeAt51     Route
	}{
		{"51", "51", RouteLocal},
		{"50", "50", RouteHub},
		{"10", HubRegion, RouteHub}, // central departments: the hub's
		{"44", HubRegion, RouteHub}, // a province with no node yet
	} {
		id := certID(t, tc.issued, 7)
		owner, err := Owner(id, nodes)
		if err != nil || owner != tc.owner {
			t.Errorf("Owner(issued in %s) = %q, %v; want %s", tc.issued, owner, err, tc.owner)
		}
		route, err := Locate(id, "51")
		if err != nil || route != tc.routeAt51 {
			t.Errorf("Locate(issued in %s) at 51 = %v, %v; want %v", tc.issued, route, err, tc.routeAt51)
		}
	}
	if _, err := Owner("1.2.156.3005.2.nonsense", nodes); err == nil {
		t.Error("a malformed identifier was given an owner")
	}
	if _, err := Locate("", "51"); err == nil {
		t.Error("an empty identifier was located")
	}
	if r, _ := Owner(certID(t, "50", 1), nil); r != HubRegion {
		t.Errorf("without a registry every certificate is the hub's, got %s", r)
	}
}

func TestValidRegion(t *testing.T) {
	for s, want := range map[string]bool{"00": true, "51": true, "5": false, "510": false, "5a": false, "": false, "٥١": false} {
		if ValidRegion(s) != want {
			t.Errorf("ValidRegion(%q) = %v", s, !want)
		}
	}
	if err := CheckRegion("region", "x1"); err == nil {
		t.Error("CheckRegion accepted x1")
	}
}
