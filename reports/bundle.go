package reports

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// The files of a report bundle, besides ResultsFile.
const (
	ReportFile  = "report.json" // Ginkgo's JSON report: everything Ginkgo knows, for tools and audits
	JUnitFile   = "junit.xml"
	SummaryFile = "summary.md"
	HTMLFile    = "report.html"
	SumsFile    = "SHA256SUMS"
)

// BundleFiles lists the files a bundle holds besides SHA256SUMS, which
// lists them with their hashes.
func BundleFiles() []string {
	return []string{ReportFile, JUnitFile, ResultsFile, SummaryFile, HTMLFile}
}

// CheckReportDir refuses a report directory that holds anything but a
// bundle: `report verify` accepts only a directory whose every file is in
// SHA256SUMS, so a bundle written among other files could never verify.
// A missing or empty directory, or one holding an earlier bundle, is fine.
func CheckReportDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	var foreign []string
	for _, e := range entries {
		if e.IsDir() || (!slices.Contains(BundleFiles(), e.Name()) && e.Name() != SumsFile) {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("report directory %s holds files that are not part of a report bundle (%s): use an empty or new directory, since a bundle must contain nothing else to verify", dir, strings.Join(foreign, ", "))
	}
	return nil
}

// WriteBundle writes a run's complete report bundle into dir: Ginkgo's JSON
// report, the trimmed JUnit, results.json, summary.md, report.html and,
// last, SHA256SUMS over them.
func WriteBundle(dir string, report types.Report, res Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	ginkgoJSON, err := json.MarshalIndent([]types.Report{report}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding Ginkgo's report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), append(ginkgoJSON, '\n'), 0o644); err != nil {
		return err
	}
	var junit bytes.Buffer
	if err := WriteJUnit(&junit, report, res); err != nil {
		return fmt.Errorf("rendering %s: %w", JUnitFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, JUnitFile), junit.Bytes(), 0o644); err != nil {
		return err
	}
	if err := WriteResults(dir, res); err != nil {
		return err
	}
	if err := writeViews(dir, res); err != nil {
		return err
	}
	return WriteSums(dir)
}

// writeViews renders the files made from results.json alone: summary.md
// and report.html.
func writeViews(dir string, res Results) error {
	var md, page bytes.Buffer
	if err := WriteMarkdownSummary(&md, res); err != nil {
		return fmt.Errorf("rendering %s: %w", SummaryFile, err)
	}
	if err := WriteHTML(&page, res); err != nil {
		return fmt.Errorf("rendering %s: %w", HTMLFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), md.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, HTMLFile), page.Bytes(), 0o644)
}

// Render re-renders summary.md and report.html of a bundle from its
// results.json (after an upgrade of the renderer, say) and refreshes
// SHA256SUMS. It refuses a bundle whose other files no longer match their
// recorded hashes: re-hashing would hide that they were changed.
func Render(dir string) error {
	res, err := ReadResults(dir)
	if err != nil {
		return err
	}
	sums, err := ReadSums(dir)
	if err != nil {
		return err
	}
	for _, name := range []string{ReportFile, JUnitFile, ResultsFile} {
		want, listed := sums[name]
		if !listed {
			return fmt.Errorf("%s is not listed in %s: the bundle is incomplete, so render will not vouch for it; rerun the suite with --report-dir", name, SumsFile)
		}
		got, err := FileSHA256(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%s does not match its hash in %s: it was changed after the run, and render will not re-hash it; restore the original or rerun the suite", name, SumsFile)
		}
	}
	if err := writeViews(dir, res); err != nil {
		return err
	}
	return WriteSums(dir)
}

// ReadReport reads the Ginkgo report of a bundle.
func ReadReport(dir string) (types.Report, error) {
	path := filepath.Join(dir, ReportFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return types.Report{}, fmt.Errorf("%w (is %s a kmsconform report directory?)", err, dir)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return types.Report{}, fmt.Errorf("%s: not a Ginkgo JSON report: %w", path, err)
	}
	if len(reports) != 1 {
		return types.Report{}, fmt.Errorf("%s: holds %d suite reports, a kmsconform run writes exactly 1", path, len(reports))
	}
	return reports[0], nil
}

// WriteSums writes SHA256SUMS for the bundle files present in dir, in the
// format of sha256sum(1), so `sha256sum -c SHA256SUMS` checks it too.
func WriteSums(dir string) error {
	var b strings.Builder
	for _, name := range BundleFiles() {
		sum, err := FileSHA256(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, name)
	}
	return os.WriteFile(filepath.Join(dir, SumsFile), []byte(b.String()), 0o644)
}

// ReadSums parses a bundle's SHA256SUMS into file name -> hex SHA-256.
func ReadSums(dir string) (map[string]string, error) {
	path := filepath.Join(dir, SumsFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (a bundle written by `kmsconform run --report-dir` has one)", err)
	}
	defer f.Close()
	sums := map[string]string{}
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		if line == "" {
			continue
		}
		// sha256sum writes "HASH  NAME", or "HASH *NAME" in binary mode.
		sum, name, ok := strings.Cut(line, " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 64 || name == "" || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("%s line %d: %q is not `SHA256  FILE` for a file of the bundle", path, n, line)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("%s line %d: %s is listed twice", path, n, name)
		}
		sums[name] = strings.ToLower(sum)
	}
	return sums, s.Err()
}

// FileSHA256 returns the hex SHA-256 of a file's contents.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
