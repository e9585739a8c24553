// Package localkms starts local-kms (github.com/nsmithuk/local-kms), a KMS
// emulator, in a container.
//
// By default the image is built FROM scratch from local-kms at the version
// pinned in this module's go.mod (a `tool` directive), compiled static with
// CGO_ENABLED=0, and tagged with the binary's hash so it is built once per
// version. That needs the go command and a checkout of this module; a
// released kmsconform without them uses the published image
// (PublishedImage) instead, where it is present or can be pulled.
package localkms

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kmsconform/kmsconform/harness/containers"
)

// Package is the Go package of local-kms, pinned in go.mod.
const Package = "github.com/nsmithuk/local-kms"

// Repository is the name of the images this package builds.
const Repository = "kmsconform-local-kms"

// PublishedImage is the image local-kms's author publishes, used when no
// Go toolchain with this module's source is at hand.
const PublishedImage = "nsmithuk/local-kms:3"

// DefaultAccountID is local-kms's own default account.
const DefaultAccountID = "111122223333"

// DefaultRegion is the region the container serves unless told otherwise.
const DefaultRegion = "us-east-1"

// port is local-kms's own default port, used in its own network.
const port = 8080

// dataPath is where local-kms keeps its database: an in-memory file system
// of each container's own, so every container starts empty.
const dataPath = "/local-kms-data"

// Option configures Run.
type Option func(*options)

type options struct {
	image     string
	accountID string
	region    string
	settings  containers.Settings
}

// WithImage runs this local-kms image (such as PublishedImage) instead of
// building one from the pinned source.
func WithImage(ref string) Option { return func(o *options) { o.image = ref } }

// WithAccountID sets the account of the keys (KMS_ACCOUNT_ID).
func WithAccountID(id string) Option { return func(o *options) { o.accountID = id } }

// WithRegion sets the region of the keys (KMS_REGION).
func WithRegion(region string) Option { return func(o *options) { o.region = region } }

// WithSettings sets what every launcher takes: network, pull policy,
// progress output, labels, startup timeout.
func WithSettings(s containers.Settings) Option { return func(o *options) { o.settings = s } }

// Run starts local-kms and returns once it answers ListKeys.
func Run(ctx context.Context, opts ...Option) (containers.Endpoint, containers.Stop, error) {
	o := options{accountID: DefaultAccountID, region: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	image := o.image
	if image == "" {
		var err error
		if image, err = Image(ctx, o.settings); errors.Is(err, containers.ErrNoSource) {
			o.settings.Progressf("local-kms cannot be built here (%v); using its published image %s instead of the version pinned in go.mod (run kmsconform in a checkout, with Go, to build that)", err, PublishedImage)
			image = PublishedImage
		} else if err != nil {
			return containers.Endpoint{}, nil, err
		}
	}
	if err := containers.EnsurePresent(ctx, image, o.settings); err != nil {
		return containers.Endpoint{}, nil, fmt.Errorf("local-kms is unavailable: %w", err)
	}
	return containers.Start(ctx, containers.Service{
		Name:  "local-kms",
		Image: image,
		Port:  port,
		// local-kms takes a port only and listens on every address; with
		// host networking that includes this machine's other interfaces.
		Listen: func(_ string, port int) (map[string]string, []string) {
			return map[string]string{"PORT": strconv.Itoa(port)}, nil
		},
		Env: map[string]string{
			"KMS_ACCOUNT_ID": o.accountID,
			"KMS_REGION":     o.region,
			"KMS_DATA_PATH":  dataPath,
		},
		Tmpfs:          map[string]string{dataPath: "rw"},
		Region:         o.region,
		StartupTimeout: time.Minute,
	}, o.settings)
}

// Image returns the image Run starts by default: local-kms built from the
// source pinned in go.mod, FROM scratch, tagged with the binary's hash (and
// built only when no image with that tag exists yet). Without a Go
// toolchain and a checkout of this module the error wraps
// containers.ErrNoSource.
func Image(ctx context.Context, s containers.Settings) (string, error) {
	dir, err := os.MkdirTemp("", "kmsconform-local-kms-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	binary := filepath.Join(dir, "local-kms")
	if err := containers.BuildStatic(ctx, Package, binary, s); err != nil {
		return "", err
	}
	return containers.ScratchImage{Repository: Repository, Binary: binary, Name: "local-kms"}.Ensure(ctx, s)
}
