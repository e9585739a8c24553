package target

import (
	"context"

	"github.com/kmsconform/kmsconform/harness/config"
)

// Remote is an endpoint that is already running: a vendor's KMS, AWS itself,
// or `kmsconform serve` in another terminal.
type Remote struct{ URL string }

// Name implements Target.
func (r Remote) Name() string { return "endpoint " + r.URL }

// Start implements Target; the endpoint is already running. Whether it is
// reachable is checked by the client (client.Check), with the SDK's own
// credentials and signing, before any spec runs.
func (r Remote) Start(context.Context) (Endpoint, error) {
	return Endpoint{URL: r.URL, Loopback: config.IsLoopback(r.URL)}, nil
}

// Stop implements Target.
func (r Remote) Stop(context.Context) error { return nil }
