package target

import (
	"fmt"

	"github.com/kmsconform/kmsconform/harness/config"
)

// Resolve picks the target a configuration names: a running endpoint, a
// target to start, or (neither given) the embedded reference.
func Resolve(cfg config.Config) (Target, error) {
	switch {
	case cfg.Endpoint != "":
		return Remote{URL: cfg.Endpoint}, nil
	case cfg.Target == "" || cfg.Target == "embedded":
		return &Embedded{Profile: cfg.Reference.Profile, Mutant: cfg.Reference.Mutant}, nil
	}
	return nil, fmt.Errorf("unknown target %q: use an endpoint URL (--kms.endpoint), or leave both empty for the embedded reference", cfg.Target)
}
