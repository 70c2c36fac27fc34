// Package browsertest drives Debian's headless Chromium from Go tests through the DevTools
// protocol (chromedp), so tests can look at pages as a person would: open them, click,
// read text, run JavaScript and keep screenshots.
//
// Every Browser has a network guard. Each request a page makes to a host that is not
// loopback (127.0.0.0/8, ::1, localhost) is failed before it leaves the browser and recorded;
// tests assert that ExternalRequests is empty to prove a page works with the network closed.
// As a second line, Chromium is started with a proxy that points at a closed loopback port,
// so nothing the guard might not see (a worker, a WebSocket) can reach another host either.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// ArtifactsEnv names the environment variable holding the directory where tests keep
// screenshots; without it they go to os.TempDir().
const ArtifactsEnv = "CERTGRAPH_TEST_ARTIFACTS"

// DefaultTimeout bounds each single step (navigate, wait, click, evaluate, screenshot).
const DefaultTimeout = 30 * time.Second

// ErrNoChromium is the reason New skips a test when the browser is not installed.
var ErrNoChromium = errors.New("browsertest: chromium is not installed at " + ChromiumPath + " (apt-get install -y chromium)")

// Browser is one headless Chromium process with one tab, owned by one test. Its methods fail
// the test (t.Fatal) when a step fails or times out, so tests read as a list of steps.
type Browser struct {
	t       testing.TB
	ctx     context.Context
	timeout time.Duration

	mu       sync.Mutex
	external []string // non-loopback URLs the page asked for, in first-seen order
	console  []string // console errors/warnings and uncaught exceptions
}

// New starts Chromium with a fresh profile for t and stops it when t ends. It skips t if
// Chromium is not installed. When t fails, a screenshot and the page's console errors are
// kept to help find out why.
func New(t testing.TB) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Skip(ErrNoChromium.Error())
	}
	if _, err := exec.LookPath(ChromiumPath); err != nil {
		t.Skip(ErrNoChromium.Error() + ": " + err.Error())
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI, where the sandbox cannot start
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		// Loopback always bypasses a proxy in Chromium; everything else goes to a port where
		// nothing listens (9, discard) and fails.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx, timeout: DefaultTimeout}
	t.Cleanup(func() {
		if t.Failed() {
			b.keepFailureEvidence()
		}
		cancelCtx()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a timeout (that would end the
	// browser), so bound it by waiting in a goroutine instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browsertest: start chromium: %v", err)
		}
	case <-time.After(2 * DefaultTimeout):
		t.Fatalf("browsertest: chromium did not start within %v", 2*DefaultTimeout)
	}
	if err := b.installGuard(); err != nil {
		t.Fatalf("browsertest: install network guard: %v", err)
	}
	return b
}

// SetTimeout changes the bound on each later step.
func (b *Browser) SetTimeout(d time.Duration) { b.timeout = d }

// Context is the chromedp context of the tab, for steps this package does not wrap.
func (b *Browser) Context() context.Context { return b.ctx }

// installGuard intercepts every request of the tab and records other tabs' evidence:
// Fetch pauses each request so we can fail it, and Network/Runtime events record what the
// page tried and what went wrong in it.
func (b *Browser) installGuard() error {
	target := chromedp.FromContext(b.ctx).Target
	paused := chromedp.Events(b.ctx, fetch.RequestPaused)
	sent := chromedp.Events(b.ctx, network.RequestWillBeSent)
	sockets := chromedp.Events(b.ctx, network.WebSocketCreated)
	consoleCalls := chromedp.Events(b.ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(b.ctx, runtime.ExceptionThrown)

	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u := ev.Request.URL + ev.Request.URLFragment
			if IsLoopbackURL(u) {
				_, _ = cdp.Call(b.ctx, target, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			b.recordExternal(u)
			_, _ = cdp.Call(b.ctx, target, fetch.FailRequest, fetch.FailRequestParams{
				RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient,
			})
		}
	}()
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			if u := ev.Request.URL; !IsLoopbackURL(u) {
				b.recordExternal(u)
			}
		}
	}()
	go func() {
		for ev, err := range sockets {
			if err != nil {
				return
			}
			if !IsLoopbackURL(ev.URL) {
				b.recordExternal(ev.URL)
			}
		}
	}()
	go func() {
		for ev, err := range consoleCalls {
			if err != nil {
				return
			}
			if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning {
				continue
			}
			parts := make([]string, 0, len(ev.Args))
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			b.recordConsole("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.recordConsole(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		}
	}()
	_, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: "*"}},
		})
	})
	return err
}

func (b *Browser) recordExternal(u string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Contains(b.external, u) {
		b.external = append(b.external, u)
	}
}

func (b *Browser) recordConsole(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.console = append(b.console, line)
}

// ExternalRequests returns the URLs of every request to a non-loopback host that the page
// attempted (each was blocked), in the order first seen; empty means the page stayed local.
func (b *Browser) ExternalRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.external)
}

// ConsoleErrors returns the page's console errors and warnings and its uncaught exceptions.
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.console)
}

// IsLoopbackURL reports whether rawURL stays on this machine: a host of localhost (or a
// *.localhost name), an address in 127.0.0.0/8 or ::1, or a scheme that makes no network
// request at all (data:, blob:, about:, javascript:, chrome-internal pages).
func IsLoopbackURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "data", "blob", "about", "javascript", "chrome", "chrome-error", "devtools":
		return true
	case "http", "https", "ws", "wss":
	default:
		return false // ftp, file and anything unknown count as leaving the sandbox
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// step runs one action under the step timeout and fails the test with what it was doing.
func step[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browsertest: %s: %v%s", what, err, b.consoleSuffix())
	}
	return v
}

func (b *Browser) consoleSuffix() string {
	lines := b.ConsoleErrors()
	if len(lines) == 0 {
		return ""
	}
	return "\npage console:\n  " + strings.Join(lines, "\n  ")
}

// Navigate opens rawURL in the tab and waits for the page to load.
func (b *Browser) Navigate(rawURL string) {
	b.t.Helper()
	step(b, "navigate to "+rawURL, chromedp.Navigate(rawURL))
}

// WaitVisible waits until an element matching the CSS selector is visible.
func (b *Browser) WaitVisible(selector string) {
	b.t.Helper()
	step(b, "wait for "+selector+" to be visible", chromedp.WaitVisible(chromedp.CSS(selector)))
}

// WaitText waits until the text of the first element matching the CSS selector contains
// text, and returns that element's whole text.
func (b *Browser) WaitText(selector, text string) string {
	b.t.Helper()
	const fn = `(sel, want) => {
		const el = document.querySelector(sel);
		if (!el) return false;
		const got = el.innerText || el.textContent || '';
		return got.includes(want) ? got : false;
	}`
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.PollFunction[string](fn,
		chromedp.WithPollingArgs(selector, text), chromedp.WithPollingTimeout(b.timeout)))
	if err != nil {
		b.t.Fatalf("browsertest: wait for %s to contain %q: %v; it has %q%s",
			selector, text, err, b.peekText(selector), b.consoleSuffix())
	}
	return got
}

// peekText is the current text of selector for error messages; it never fails the test.
func (b *Browser) peekText(selector string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); return el ? (el.innerText || el.textContent || '') : '<no element>'; })()`, selector)))
	return s
}

// Text returns the visible text of the first element matching the CSS selector.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	return step(b, "read text of "+selector, chromedp.Text(chromedp.CSS(selector)))
}

// Click clicks the first element matching the CSS selector once it is visible.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	step(b, "click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// Eval runs a JavaScript expression in the page and decodes its JSON value into T
// (awaiting it if it is a promise).
func Eval[T any](b *Browser, expression string) T {
	b.t.Helper()
	return step(b, "evaluate "+expression, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
}

// ArtifactsDir is the directory where tests keep screenshots: $CERTGRAPH_TEST_ARTIFACTS,
// or os.TempDir() when that is unset.
func ArtifactsDir() string {
	if d := os.Getenv(ArtifactsEnv); d != "" {
		return d
	}
	return os.TempDir()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves a PNG of the whole page (beyond the viewport) as
// <ArtifactsDir>/<test name>-<name>.png and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png := step(b, "screenshot "+name, chromedp.FullScreenshot(100))
	p, err := b.writeArtifact(name, png)
	if err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

func (b *Browser) writeArtifact(name string, png []byte) (string, error) {
	dir := ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("artifacts directory %s (from $%s): %w", dir, ArtifactsEnv, err)
	}
	file := unsafeName.ReplaceAllString(b.t.Name()+"-"+name, "_") + ".png"
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		return "", fmt.Errorf("write screenshot: %w", err)
	}
	return p, nil
}

// keepFailureEvidence logs the page console and keeps a screenshot, best effort: the test
// has already failed and this must not hide why.
func (b *Browser) keepFailureEvidence() {
	if lines := b.ConsoleErrors(); len(lines) > 0 {
		b.t.Logf("page console:\n  %s", strings.Join(lines, "\n  "))
	}
	if ext := b.ExternalRequests(); len(ext) > 0 {
		b.t.Logf("blocked external requests:\n  %s", strings.Join(ext, "\n  "))
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("failure screenshot: %v", err)
		return
	}
	if p, err := b.writeArtifact("failure", png); err != nil {
		b.t.Logf("failure screenshot: %v", err)
	} else {
		b.t.Logf("failure screenshot: %s", p)
	}
}
