package fuzz

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvWorkdir names the directory a test binary with a reference mutant
// works in (see mutantWorkdir).
const EnvWorkdir = "KMSCONFORM_FUZZ_WORKDIR"

// mutantWorkdir moves a test binary whose target is the embedded reference
// with a mutant into a copy of testdata: `go test -fuzz` writes every
// failing input to testdata/fuzz/<Target>/ under the working directory, and
// a mutant's failures are the fault it was built with, not findings, so they
// must never land in the checked-in corpus (which must pass against the
// clean reference, and which `go test ./fuzz` replays). The copy is
// $KMSCONFORM_FUZZ_WORKDIR when set (made and filled on first use, reused
// after, so its failing inputs can be replayed with -run), else a new
// temporary directory. The variable is then set to the copy, so that the
// fuzzing workers, which `go test` starts in the coordinator's working
// directory with its environment, use the same one. It returns the
// directory, "" when there is no mutant (the package directory stays the
// working directory), whether it made a new temporary one, and the mutant.
func mutantWorkdir(getenv func(string) string) (dir string, temporary bool, mutant string, err error) {
	opts, err := OptionsFromEnv(getenv)
	if err != nil || opts.Config.Reference.Mutant == "" {
		return "", false, "", nil // a bad setting is the session's to report
	}
	mutant = opts.Config.Reference.Mutant
	pkg, err := os.Getwd()
	if err != nil {
		return "", false, "", err
	}
	if dir = getenv(EnvWorkdir); dir == "" {
		if dir, err = os.MkdirTemp("", "kmsconform-fuzz-"+mutant+"-"); err != nil {
			return "", false, "", err
		}
		temporary = true
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", false, "", err
	}
	if dir == pkg {
		// A fuzzing worker: it starts where its coordinator moved to.
		if goFiles, _ := filepath.Glob(filepath.Join(dir, "*.go")); len(goFiles) > 0 {
			return "", false, "", fmt.Errorf("%s=%s is the fuzz package itself: a mutant's failing inputs would land in the checked-in corpus; give a directory elsewhere", EnvWorkdir, dir)
		}
		return dir, false, mutant, nil
	}
	if rel, err := filepath.Rel(pkg, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false, "", fmt.Errorf("%s=%s is inside the fuzz package (%s): a mutant's failing inputs would land beside the checked-in corpus; give a directory elsewhere", EnvWorkdir, dir, pkg)
	}
	if _, err := os.Stat(filepath.Join(dir, "testdata")); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", false, "", err
		}
		if err := os.CopyFS(filepath.Join(dir, "testdata"), os.DirFS(filepath.Join(pkg, "testdata"))); err != nil {
			return "", false, "", fmt.Errorf("copying the seed corpus to %s: %w", dir, err)
		}
	} else if err != nil {
		return "", false, "", err
	}
	if err := os.Chdir(dir); err != nil {
		return "", false, "", err
	}
	return dir, temporary, mutant, os.Setenv(EnvWorkdir, dir)
}

// workdirNote tells a mutant run where its corpus and failing inputs are.
func workdirNote(dir, mutant string) string {
	return fmt.Sprintf("fuzz: the reference runs with mutant %s, so the corpus is read from and failing inputs are written to a copy in %s, never to fuzz/testdata; replay one with %s=%s and the same environment: go test ./fuzz -run '<Target>/<file>'",
		mutant, dir, EnvWorkdir, dir)
}

// TestMutantWorkdir: with a mutant, the test binary moves into a copy of
// testdata (made once, reused after) outside the package; without one it
// stays; a copy inside the package is refused.
func TestMutantWorkdir(t *testing.T) {
	pkg := t.TempDir()
	seed := filepath.Join("testdata", "fuzz", "FuzzX", "seed")
	if err := os.MkdirAll(filepath.Dir(filepath.Join(pkg, seed)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, seed), corpusFile([]byte("seed")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	t.Setenv(EnvWorkdir, "") // restored after the test: mutantWorkdir sets it
	env := map[string]string{}
	getenv := func(name string) string { return env[name] }

	if dir, _, _, err := mutantWorkdir(getenv); dir != "" || err != nil {
		t.Fatalf("without a mutant: %q, %v; want no copy", dir, err)
	}
	env[EnvMutant] = "crypto-500"
	env[EnvWorkdir] = filepath.Join(pkg, "found")
	if _, _, _, err := mutantWorkdir(getenv); err == nil || !strings.Contains(err.Error(), "inside the fuzz package") {
		t.Fatalf("a copy inside the package: %v, want it refused", err)
	}
	env[EnvWorkdir] = pkg
	if err := os.WriteFile(filepath.Join(pkg, "x_test.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := mutantWorkdir(getenv); err == nil || !strings.Contains(err.Error(), "the fuzz package itself") {
		t.Fatalf("the package as its own copy: %v, want it refused", err)
	}
	work := filepath.Join(t.TempDir(), "work")
	env[EnvWorkdir] = work
	dir, temporary, mutant, err := mutantWorkdir(getenv)
	if err != nil || dir != work || temporary || mutant != "crypto-500" {
		t.Fatalf("mutantWorkdir = %q, %t, %q, %v; want %s", dir, temporary, mutant, err, work)
	}
	if cwd, _ := os.Getwd(); cwd != work || os.Getenv(EnvWorkdir) != work {
		t.Fatalf("working directory %s, %s=%s; want both %s", cwd, EnvWorkdir, os.Getenv(EnvWorkdir), work)
	}
	if entries, err := readCorpus("FuzzX"); err != nil || len(entries) != 1 || string(entries[0].data) != "seed" {
		t.Fatalf("the copy's corpus: %v, %v", entries, err)
	}
	found := filepath.Join(work, "testdata", "fuzz", "FuzzX", "found")
	if err := os.WriteFile(found, corpusFile([]byte("found")), 0o644); err != nil {
		t.Fatal(err)
	}
	if dir, _, _, err := mutantWorkdir(getenv); dir != work || err != nil {
		t.Fatalf("a fuzzing worker, started in the copy: %q, %v", dir, err)
	}
	t.Chdir(pkg)
	if _, _, _, err := mutantWorkdir(getenv); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(found); err != nil {
		t.Errorf("a second run lost the input the first found: %v", err)
	}
	if _, err := os.Stat(filepath.Join(pkg, "testdata", "fuzz", "FuzzX", "found")); err == nil {
		t.Error("the input landed in the package's corpus")
	}
}
