package target

import (
	"github.com/kmsconform/kmsconform/harness/config"
)

// Resolve picks the target a configuration names: a running endpoint, the
// embedded reference (no target, or "embedded"), or a container to start
// (see ContainerTargets). The kmsconform command, the suite under
// `go test`/`ginkgo` (--kms.target) and the fuzzers all resolve target
// names here.
func Resolve(cfg config.Config) (Target, error) {
	switch {
	case cfg.Endpoint != "":
		return Remote{URL: cfg.Endpoint}, nil
	case cfg.Target == "" || cfg.Target == "embedded":
		return &Embedded{Profile: cfg.Reference.Profile, Mutant: cfg.Reference.Mutant, Region: cfg.Region}, nil
	}
	return containerTarget(cfg)
}
