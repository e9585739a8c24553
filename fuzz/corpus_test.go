package fuzz

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The checked-in seed corpus: testdata/fuzz/<Fuzzer>/<name>, in the
// `go test fuzz v1` format Go's fuzzing reads and writes. The named seeds
// are generated from the decoded inputs in seeds_test.go; inputs the fuzzers
// find are added beside them under the names go test gives them.

var updateCorpus = flag.Bool("update-corpus", false, "write the named seeds of seeds_test.go to testdata/fuzz")

const corpusHeader = "go test fuzz v1\n"

// corpusFile is the content of a corpus file holding one []byte argument.
func corpusFile(data []byte) []byte {
	return []byte(corpusHeader + "[]byte(" + strconv.Quote(string(data)) + ")\n")
}

// parseCorpusFile reads a corpus file holding one []byte argument, as go
// test writes it: []byte("...") with a Go-quoted string.
func parseCorpusFile(content []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(content, []byte(corpusHeader))
	if !ok {
		return nil, fmt.Errorf("not a %q file", strings.TrimSpace(corpusHeader))
	}
	line := strings.TrimSpace(string(rest))
	quoted, ok := strings.CutPrefix(line, "[]byte(")
	if !ok || !strings.HasSuffix(quoted, ")") {
		return nil, fmt.Errorf("the file holds %q, not one []byte argument", line)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
	if err != nil {
		return nil, fmt.Errorf("the []byte argument does not unquote: %w", err)
	}
	return []byte(s), nil
}

// corpusEntry is one corpus file's input.
type corpusEntry struct {
	name string
	data []byte
}

// readCorpus reads every file of a fuzzer's corpus directory, sorted by name.
func readCorpus(fuzzer string) ([]corpusEntry, error) {
	dir := filepath.Join("testdata", "fuzz", fuzzer)
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []corpusEntry
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		content, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			return nil, err
		}
		data, err := parseCorpusFile(content)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, f.Name()), err)
		}
		out = append(out, corpusEntry{f.Name(), data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// TestSeedCorpus: every named seed of seeds_test.go is in testdata/fuzz
// as generated (`go test ./fuzz -run TestSeedCorpus -update-corpus` writes
// them), and every corpus file reads back.
func TestSeedCorpus(t *testing.T) {
	for fuzzer, seeds := range namedSeeds() {
		dir := filepath.Join("testdata", "fuzz", fuzzer)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, seed := range seeds {
			path := filepath.Join(dir, seed.name)
			want := corpusFile(seed.data)
			if *updateCorpus {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is missing or out of date: run `go test ./fuzz -run TestSeedCorpus -update-corpus` and commit testdata/fuzz", path)
			}
		}
		if _, err := readCorpus(fuzzer); err != nil {
			t.Error(err)
		}
	}
}

func TestCorpusFileRoundTrip(t *testing.T) {
	for _, data := range [][]byte{nil, {0}, []byte("\x00\xff\"\\\n plain"), bytes.Repeat([]byte{0xab}, 300)} {
		got, err := parseCorpusFile(corpusFile(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%q read back as %q, %v", data, got, err)
		}
	}
}
