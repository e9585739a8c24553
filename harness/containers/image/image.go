// Package image starts any KMS image (a vendor's, an emulator's) in a
// container, with the port and environment the user gives:
//
//	kmsconform run --target image=registry.example.com/kms:1.4,port=8080,env=KMS_MODE=dev
//
// The image is used when it is present locally, and pulled once otherwise
// (unless KMSCONFORM_DOCKER_PULL=never). The service must listen on the
// given port on all of the container's addresses; with host networking
// (KMSCONFORM_DOCKER_NETWORK=host) that port is this machine's, and must
// be free.
package image

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kmsconform/kmsconform/harness/containers"
)

// Spec is an image target as `--target image=...` gives it.
type Spec struct {
	// Image is the image reference.
	Image string
	// Port is the TCP port the service listens on in the container.
	Port int
	// Env is the container's environment. Its values may be secrets (a
	// licence key): they are never printed.
	Env map[string]string
	// StartupTimeout bounds the wait for the first answer; zero: a minute.
	StartupTimeout time.Duration
}

// Syntax is the form Parse reads, for help texts and errors.
const Syntax = "image=REF,port=N[,env=NAME=VALUE]...[,startup-timeout=DURATION]"

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Parse reads a target of the form Syntax: comma-separated key=value
// items, image and port exactly once, env any number of times (values
// cannot contain commas), startup-timeout at most once. Every problem is
// reported, none with an env value in it (they may be secrets).
func Parse(target string) (Spec, error) {
	spec := Spec{Env: map[string]string{}}
	var problems []string
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	seen := map[string]bool{}
	for i, item := range strings.Split(target, ",") {
		key, value, ok := strings.Cut(item, "=")
		if !ok || value == "" {
			problem("item %d (%q) is not key=value", i+1, key)
			continue
		}
		if key != "env" {
			if seen[key] {
				problem("%s is given twice", key)
				continue
			}
			seen[key] = true
		}
		switch key {
		case "image":
			if strings.ContainsAny(value, " \t") {
				problem("image %q has a space in it: give an image reference such as registry.example.com/kms:1.4", value)
			}
			spec.Image = value
		case "port":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > 65535 {
				problem("port %q is not a TCP port number (1-65535)", value)
			}
			spec.Port = n
		case "env":
			name, v, ok := strings.Cut(value, "=")
			switch {
			case !ok || !envName.MatchString(name):
				problem("env %q: give env=NAME=VALUE, NAME of letters, digits and underscores", name)
			case hasKey(spec.Env, name):
				problem("env %s is given twice", name)
			default:
				spec.Env[name] = v
			}
		case "startup-timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				problem("startup-timeout %q is not a positive duration such as 90s or 3m", value)
			}
			spec.StartupTimeout = d
		default:
			problem("unknown key %q", key)
		}
	}
	if !seen["image"] {
		problem("image is missing")
	}
	if !seen["port"] {
		problem("port is missing: give the port the service listens on in the container")
	}
	if len(problems) > 0 {
		return Spec{}, fmt.Errorf("%s; the form is %s", strings.Join(problems, "; "), Syntax)
	}
	return spec, nil
}

func hasKey(m map[string]string, key string) bool {
	_, ok := m[key]
	return ok
}

// Option configures Run.
type Option func(*options)

type options struct {
	spec     Spec
	settings containers.Settings
}

// WithSpec sets the image, port, environment and startup timeout.
func WithSpec(s Spec) Option { return func(o *options) { o.spec = s } }

// WithSettings sets what every launcher takes: network, pull policy,
// progress output, labels, startup timeout.
func WithSettings(s containers.Settings) Option { return func(o *options) { o.settings = s } }

// Run starts the image and returns once it answers ListKeys.
func Run(ctx context.Context, opts ...Option) (containers.Endpoint, containers.Stop, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.spec.Image == "" || o.spec.Port == 0 {
		return containers.Endpoint{}, nil, fmt.Errorf("an image target needs an image and a port (%s)", Syntax)
	}
	if err := containers.EnsurePresent(ctx, o.spec.Image, o.settings); err != nil {
		return containers.Endpoint{}, nil, err
	}
	return containers.Start(ctx, containers.Service{
		Name:           "image",
		Image:          o.spec.Image,
		Port:           o.spec.Port,
		Env:            o.spec.Env,
		StartupTimeout: o.spec.StartupTimeout,
	}, o.settings)
}
