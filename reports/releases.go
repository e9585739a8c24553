package reports

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/kmsconform/kmsconform/harness/version"
)

//go:embed releases.yaml
var releasesYAML []byte

// Release is a released suite version, the catalogue it was built with and
// the commit it was built from.
type Release struct {
	Version       string `yaml:"version"`
	CatalogueHash string `yaml:"catalogueHash"`
	// Commit is the git commit the release was built from (the tag's
	// parent: the tagged commit only adds this entry, since a file cannot
	// name the commit holding it). Entries written before commits were
	// recorded have none; entries are never edited, so it stays optional.
	Commit string `yaml:"commit,omitempty"`
}

// Releases returns the released versions listed in reports/releases.yaml,
// embedded in the binary.
func Releases() ([]Release, error) { return ParseReleases(releasesYAML) }

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

var hexCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)

// ParseReleases parses a releases list and checks every entry.
func ParseReleases(data []byte) ([]Release, error) {
	var doc struct {
		Releases []Release `yaml:"releases"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("releases.yaml: %w", err)
	}
	var problems []error
	seen := map[string]bool{}
	for i, r := range doc.Releases {
		if !IsReleaseVersion(r.Version) {
			problems = append(problems, fmt.Errorf("releases.yaml entry %d: version %q is not a release version (vMAJOR.MINOR.PATCH, no pseudo-version or build suffix)", i+1, r.Version))
		}
		if seen[r.Version] {
			problems = append(problems, fmt.Errorf("releases.yaml entry %d: version %s is listed twice", i+1, r.Version))
		}
		seen[r.Version] = true
		if !hexSHA256.MatchString(r.CatalogueHash) {
			problems = append(problems, fmt.Errorf("releases.yaml entry %d (%s): catalogueHash %q is not a lower-case hex SHA-256", i+1, r.Version, r.CatalogueHash))
		}
		if r.Commit != "" && !hexCommit.MatchString(r.Commit) {
			problems = append(problems, fmt.Errorf("releases.yaml entry %d (%s): commit %q is not a full lower-case hex git commit id (40 digits, as `git rev-parse vX.Y.Z^{commit}` prints)", i+1, r.Version, r.Commit))
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return doc.Releases, nil
}

// IsReleaseVersion reports whether v names a release: a semantic version,
// not a Go pseudo-version, without build metadata (Go marks a build from a
// modified tree "+dirty").
func IsReleaseVersion(v string) bool {
	return semver.IsValid(v) && !module.IsPseudoVersion(v) && semver.Build(v) == ""
}

// IsReleaseBuild reports whether a build is a release: a release version
// built from an unmodified tree. Anything else is a development build, whose
// bundles do not certify.
func IsReleaseBuild(v version.Info) bool {
	return IsReleaseVersion(v.Version) && !v.Modified
}
