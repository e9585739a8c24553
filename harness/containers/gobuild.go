package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"time"
)

// ModulePath is this project's Go module: the source the launchers build
// kmsconform and the pinned local-kms from.
const ModulePath = "github.com/kmsconform/kmsconform"

// ErrNoSource means that no checkout of this module with a Go toolchain is
// at hand to build a binary from.
var ErrNoSource = errors.New("no Go toolchain with a checkout of " + ModulePath + " here")

// BuildStatic builds the package pkg (a path in this module's build list,
// such as ./cmd/kmsconform or github.com/nsmithuk/local-kms) as a static
// Linux binary named out, with CGO_ENABLED=0 so it runs in an image FROM
// scratch. It needs the go command and the working directory inside a
// checkout of this module, whose go.mod pins what is built; otherwise the
// error wraps ErrNoSource. Go's build cache makes a repeated build take
// well under a second.
func BuildStatic(ctx context.Context, pkg, out string, s Settings) error {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return err
	}
	s.Progressf("building %s with go build (static: CGO_ENABLED=0)", pkg)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	// GOOS is Linux whatever the host: the binary runs in a Linux container.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (in %s): %v\n%s", pkg, root, err, strings.TrimSpace(output.String()))
	}
	s.Progressf("built %s in %s", pkg, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// ModuleRoot returns the root directory of the checkout of this module that
// the working directory is in, asking the go command.
func ModuleRoot(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("%w: the go command is not on PATH", ErrNoSource)
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}} {{.Dir}}")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: `go list -m` in %s: %v %s", ErrNoSource, workingDir(), err, strings.TrimSpace(stderr.String()))
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	switch {
	case dir == "":
		return "", fmt.Errorf("%w: the working directory %s is not in a Go module", ErrNoSource, workingDir())
	case path != ModulePath:
		return "", fmt.Errorf("%w: the working directory %s is in module %s", ErrNoSource, workingDir(), path)
	}
	return dir, nil
}

func workingDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "the working directory"
	}
	return wd
}

// StaticSelf returns the path of the running executable when it is a
// static Linux build of the command mainPackage (CGO_ENABLED=0, GOOS=linux),
// so it can be copied into an image FROM scratch as it is. Otherwise it
// says why not.
func StaticSelf(mainPackage string) (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("this executable carries no build information")
	}
	if bi.Path != mainPackage {
		return "", fmt.Errorf("this executable is %s, not %s", bi.Path, mainPackage)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["GOOS"] != "linux" {
		return "", fmt.Errorf("this kmsconform is built for %s, and containers run Linux", settings["GOOS"])
	}
	if settings["CGO_ENABLED"] != "0" {
		return "", errors.New("this kmsconform is built with CGO_ENABLED=1, so it needs a C library that an image FROM scratch does not have")
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("the path of this executable is unknown: %w", err)
	}
	return self, nil
}
