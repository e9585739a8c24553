package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestParseNetworkAndPullPolicy(t *testing.T) {
	for in, want := range map[string]Network{"": NetworkPublished, "published": NetworkPublished, "host": NetworkHost} {
		if got, err := ParseNetwork(in); err != nil || got != want {
			t.Errorf("ParseNetwork(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseNetwork("bridge0"); err == nil || !strings.Contains(err.Error(), EnvNetwork) || !strings.Contains(err.Error(), "host") {
		t.Errorf("ParseNetwork(bridge0): %v; want an error naming %s and the modes", err, EnvNetwork)
	}
	for in, want := range map[string]PullPolicy{"": PullMissing, "missing": PullMissing, "never": PullNever} {
		if got, err := ParsePullPolicy(in); err != nil || got != want {
			t.Errorf("ParsePullPolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePullPolicy("always"); err == nil || !strings.Contains(err.Error(), EnvPull) {
		t.Errorf("ParsePullPolicy(always): %v; want an error naming %s", err, EnvPull)
	}
}

func TestSettingsFromEnvironment(t *testing.T) {
	t.Setenv(EnvNetwork, "host")
	t.Setenv(EnvPull, "never")
	s, err := Settings{}.resolved()
	if err != nil || s.Network != NetworkHost || s.Pull != PullNever {
		t.Fatalf("resolved %+v, %v; want host and never from the environment", s, err)
	}
	s, err = Settings{Network: NetworkPublished, Pull: PullMissing}.resolved()
	if err != nil || s.Network != NetworkPublished || s.Pull != PullMissing {
		t.Fatalf("resolved %+v, %v; explicit settings must win over the environment", s, err)
	}
	t.Setenv(EnvNetwork, "bogus")
	if _, err := (Settings{}).resolved(); err == nil {
		t.Fatal("a bad KMSCONFORM_DOCKER_NETWORK was accepted")
	}
}

func TestScratchImageTagFollowsContent(t *testing.T) {
	img := ScratchImage{Repository: "kmsconform-test", Name: "tool"}
	a, b := img.tag([]byte("binary one")), img.tag([]byte("binary two"))
	if a == b {
		t.Fatal("two binaries got one tag: a changed binary would run a stale image")
	}
	if again := img.tag([]byte("binary one")); again != a {
		t.Fatalf("one binary got tags %s and %s: a second run would rebuild", a, again)
	}
	if len(a) != tagLength {
		t.Fatalf("tag %q has %d characters, want %d", a, len(a), tagLength)
	}
	if other := (ScratchImage{Repository: "kmsconform-test", Name: "other"}).tag([]byte("binary one")); other == a {
		t.Fatal("a different Dockerfile got the same tag")
	}
}

func TestScratchImageContext(t *testing.T) {
	img := ScratchImage{Repository: "kmsconform-test", Name: "tool"}
	archive, err := img.context([]byte("#!binary"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	modes := map[string]int64{}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name], modes[h.Name] = string(data), h.Mode
	}
	if files["tool"] != "#!binary" || modes["tool"] != 0o755 {
		t.Errorf("binary in the context: %q mode %o", files["tool"], modes["tool"])
	}
	want := "FROM scratch\nCOPY tool /tool\nENTRYPOINT [\"/tool\"]\n"
	if files["Dockerfile"] != want {
		t.Errorf("Dockerfile:\n%s\nwant:\n%s", files["Dockerfile"], want)
	}
}

func TestAnswersKMS(t *testing.T) {
	answer := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	closed.Close()

	for _, tc := range []struct {
		name  string
		url   string
		ready bool
	}{
		{"keys", answer(200, `{"Keys":[],"Truncated":false}`), true},
		{"refuses the credentials", answer(400, `{"__type":"UnrecognizedClientException","message":"no"}`), true},
		{"not found, but an HTTP server", answer(404, `Page not found`), true},
		{"server error while starting", answer(503, `{"__type":"ServiceUnavailableException"}`), false},
		{"nothing listening", refused, false},
	} {
		err := answersKMS(context.Background(), readinessClient(tc.url, ""))
		if (err == nil) != tc.ready {
			t.Errorf("%s: answersKMS = %v, want ready %v", tc.name, err, tc.ready)
		}
	}
}

func TestTailKeepsTheLastLines(t *testing.T) {
	var in strings.Builder
	for i := 1; i <= 30; i++ {
		in.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	got := tail(strings.NewReader(in.String()), 20)
	if !strings.HasPrefix(got, "  line 11\n") || !strings.HasSuffix(got, "  line 30") {
		t.Fatalf("tail:\n%s", got)
	}
	if tail(strings.NewReader(""), 20) != "  (nothing)" {
		t.Fatal("empty output is not said")
	}
}

func TestCheckPortFree(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	err = checkPortFree(port)
	ln.Close()
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "another port") {
		t.Fatalf("checkPortFree of a port in use: %v", err)
	}
	if err := checkPortFree(port); err != nil {
		t.Fatalf("checkPortFree of a released port: %v", err)
	}
	free, err := freeLoopbackPort()
	if err != nil || free == 0 {
		t.Fatalf("freeLoopbackPort = %d, %v", free, err)
	}
}

func TestStaticSelfRefusesOtherExecutables(t *testing.T) {
	// A test binary is not kmsconform: it cannot be copied into the image.
	_, err := StaticSelf(ModulePath + "/cmd/kmsconform")
	if err == nil || !strings.Contains(err.Error(), "not "+ModulePath+"/cmd/kmsconform") {
		t.Fatalf("StaticSelf in a test binary: %v", err)
	}
}

func TestModuleRootFindsThisCheckout(t *testing.T) {
	root, err := ModuleRoot(context.Background())
	if errors.Is(err, ErrNoSource) {
		t.Skipf("no go command here: %v", err)
	}
	if _, statErr := os.Stat(root + "/go.mod"); err != nil || statErr != nil {
		t.Fatalf("ModuleRoot = %q, %v", root, err)
	}
	t.Chdir(t.TempDir())
	if _, err := ModuleRoot(context.Background()); !errors.Is(err, ErrNoSource) {
		t.Fatalf("ModuleRoot outside a checkout: %v, want ErrNoSource", err)
	}
}

func TestHint(t *testing.T) {
	if h := hint(errors.New("create container: reaper: new reaper: pull testcontainers/ryuk")); !strings.Contains(h, "TESTCONTAINERS_RYUK_DISABLED=true") {
		t.Errorf("reaper failure hint: %q", h)
	}
	if h := hint(errors.New("some other failure")); h != "" {
		t.Errorf("hint for an unknown failure: %q", h)
	}
}
