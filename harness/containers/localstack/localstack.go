// Package localstack starts LocalStack (localstack/localstack) with only its
// KMS service, where its image is present locally or can be pulled. It is
// never built here: where the image cannot be had, Run says so with an
// *containers.UnavailableError, and the run fails with that message rather
// than skipping quietly.
package localstack

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kmsconform/kmsconform/harness/containers"
)

// DefaultImage is the LocalStack image Run starts unless told otherwise.
const DefaultImage = "localstack/localstack:4.4"

// EnvAuthToken is LocalStack's licence variable; when it is set here, it is
// passed on to the container (images that need one refuse to start
// without it). Its value is never printed.
const EnvAuthToken = "LOCALSTACK_AUTH_TOKEN"

// port is LocalStack's gateway port in its own network.
const port = 4566

// Option configures Run.
type Option func(*options)

type options struct {
	image    string
	settings containers.Settings
}

// WithImage runs this LocalStack image instead of DefaultImage.
func WithImage(ref string) Option { return func(o *options) { o.image = ref } }

// WithSettings sets what every launcher takes: network, pull policy,
// progress output, labels, startup timeout.
func WithSettings(s containers.Settings) Option { return func(o *options) { o.settings = s } }

// Run starts LocalStack with SERVICES=kms and returns once it answers
// ListKeys. LocalStack serves whatever region a request is signed for.
func Run(ctx context.Context, opts ...Option) (containers.Endpoint, containers.Stop, error) {
	o := options{image: DefaultImage}
	for _, opt := range opts {
		opt(&o)
	}
	if err := containers.EnsurePresent(ctx, o.image, o.settings); err != nil {
		return containers.Endpoint{}, nil, fmt.Errorf("LocalStack is unavailable: %w", err)
	}
	env := map[string]string{"SERVICES": "kms"}
	if token := os.Getenv(EnvAuthToken); token != "" {
		env[EnvAuthToken] = token
	}
	return containers.Start(ctx, containers.Service{
		Name:  "localstack",
		Image: o.image,
		Port:  port,
		Listen: func(host string, port int) (map[string]string, []string) {
			return map[string]string{"GATEWAY_LISTEN": fmt.Sprintf("%s:%d", host, port)}, nil
		},
		Env: env,
		// LocalStack starts a Python runtime and its service plugins.
		StartupTimeout: 2 * time.Minute,
	}, o.settings)
}
