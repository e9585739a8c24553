package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ResultsFile is the name of the results file in a report directory.
const ResultsFile = "results.json"

// WriteResults writes results.json into dir, creating dir if needed.
func WriteResults(dir string, r Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ResultsFile), append(data, '\n'), 0o644)
}

// ReadResults reads results.json from dir.
func ReadResults(dir string) (Results, error) {
	var r Results
	data, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		return r, fmt.Errorf("%w (is %s a kmsconform report directory?)", err, dir)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: not valid results JSON: %w", filepath.Join(dir, ResultsFile), err)
	}
	if r.Format != Format {
		return r, fmt.Errorf("%s: format %q, this suite reads %q", filepath.Join(dir, ResultsFile), r.Format, Format)
	}
	return r, nil
}
