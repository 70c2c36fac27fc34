package national

import (
	"strings"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	ok := Settings{Mode: ModeNode, Region: "51", NationalURL: "http://127.0.0.1:8000", AccountID: "a", Token: "t", PublicURL: "http://127.0.0.1:8051", Timeout: DefaultTimeout}
	if err := ok.Validate(); err != nil || !ok.Dispatching() {
		t.Fatalf("%v", err)
	}
	standalone := Settings{Mode: ModeNode, Region: "51", Timeout: DefaultTimeout}
	if err := standalone.Validate(); err != nil || standalone.Dispatching() {
		t.Fatalf("a node without a hub: %v", err)
	}
	hub := Settings{Mode: ModeHub, Region: "00", Timeout: DefaultTimeout}
	if err := hub.Validate(); err != nil || hub.Dispatching() {
		t.Fatalf("hub: %v", err)
	}
	for want, s := range map[string]Settings{
		"--mode":              {Mode: "relay", Region: "51", Timeout: time.Second},
		"--region \"00\"":     {Mode: ModeNode, Region: "00", Timeout: time.Second},
		"--region \"51\"":     {Mode: ModeHub, Region: "51", Timeout: time.Second},
		"--national-url is":   {Mode: ModeHub, Region: "00", NationalURL: "https://x", Timeout: time.Second},
		"--national-timeout":  {Mode: ModeNode, Region: "51", Timeout: 2 * time.Minute},
		"must be https":       func() Settings { s := ok; s.NationalURL = "http://hub.example.gov.cn"; return s }(),
		"--national-account":  func() Settings { s := ok; s.Token = ""; return s }(),
		"--public-url (":      func() Settings { s := ok; s.PublicURL = ""; return s }(),
		"--public-url \"/x\"": func() Settings { s := ok; s.PublicURL = "/x"; return s }(),
		"without credentials": func() Settings { s := ok; s.NationalURL = "https://u:p@hub.example"; return s }(),
	} {
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error containing %q", s, err, want)
		}
	}
	for h, want := range map[string]bool{"localhost": true, "127.0.0.2": true, "::1": true, "10.0.0.1": false, "hub.example": false} {
		if IsLoopbackHost(h) != want {
			t.Errorf("IsLoopbackHost(%q) = %v", h, !want)
		}
	}
}
