// Package version says which build of the suite is running. Reports record it
// so a certification bundle names the exact suite that produced it, and
// `report verify` can refuse bundles from unknown builds.
package version

import "runtime/debug"

// Version is set at build time with
// -ldflags "-X github.com/kmsconform/kmsconform/harness/version.Version=v1.2.3";
// otherwise the module version from the build info, or "devel".
var Version = ""

// Info is the suite's version and the VCS commit it was built from.
type Info struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
}

// Get returns the running build's version information.
func Get() Info {
	info := Info{Version: Version}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	return info
}
