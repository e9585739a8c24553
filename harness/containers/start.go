package containers

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Service is a KMS in an image, and how to start it.
type Service struct {
	// Name says what the service is, in messages and in the LabelTarget
	// label ("local-kms").
	Name string
	// Image is the image reference; it must be present locally (see
	// ScratchImage.Ensure and EnsurePresent): Start never pulls.
	Image string
	// Port is the TCP port the service listens on in the container's own
	// network (NetworkPublished).
	Port int
	// Listen, when set, tells the service where to listen: it returns the
	// environment variables and arguments that make it listen on host:port.
	// With NetworkPublished it is called with 0.0.0.0 and Port; with
	// NetworkHost with 127.0.0.1 and a free port of this machine (a service
	// that takes only a port, like local-kms, binds every address). Without
	// it the service always listens on Port, in host networking too.
	Listen func(host string, port int) (env map[string]string, args []string)
	// Env and Args are the container's environment and arguments (to the
	// image's entrypoint), before Listen's.
	Env  map[string]string
	Args []string
	// Tmpfs mounts fresh in-memory file systems (path: options).
	Tmpfs map[string]string
	// Region is the region the service serves, reported in the Endpoint.
	Region string
	// StartupTimeout bounds the wait for the first answer; Settings'
	// StartupTimeout overrides it. Default one minute.
	StartupTimeout time.Duration
}

// defaultStartupTimeout is generous for a service that starts in under a
// second: a loaded CI machine with the vfs storage driver is slow to create
// containers, and the wait ends at the first answer anyway.
const defaultStartupTimeout = time.Minute

// Start starts the service's container, waits until it answers a real KMS
// call (ListKeys) and returns where it listens and how to remove it. If
// anything fails after the container was created, the container is removed
// before Start returns. Start needs the image present locally.
func Start(ctx context.Context, svc Service, s Settings) (Endpoint, Stop, error) {
	s, err := s.resolved()
	if err != nil {
		return Endpoint{}, nil, err
	}
	timeout := svc.StartupTimeout
	if s.StartupTimeout > 0 {
		timeout = s.StartupTimeout
	}
	if timeout <= 0 {
		timeout = defaultStartupTimeout
	}

	env := maps.Clone(svc.Env)
	if env == nil {
		env = map[string]string{}
	}
	args := append([]string(nil), svc.Args...)
	startID := rand.Text()
	labels := map[string]string{LabelTarget: svc.Name, LabelStart: startID}
	maps.Copy(labels, s.Labels)
	opts := []testcontainers.ContainerCustomizer{testcontainers.WithLabels(labels)}
	if len(svc.Tmpfs) > 0 {
		opts = append(opts, testcontainers.WithTmpfs(svc.Tmpfs))
	}

	ready := kmsAnswers{service: svc.Name, region: svc.Region, timeout: timeout}
	var url string        // with host networking, known before the start
	var port network.Port // with a published port, the container's side
	switch s.Network {
	case NetworkHost:
		hostPort := svc.Port
		if svc.Listen == nil {
			if err := checkPortFree(hostPort); err != nil {
				return Endpoint{}, nil, err
			}
		} else {
			if hostPort, err = freeLoopbackPort(); err != nil {
				return Endpoint{}, nil, err
			}
			e, a := svc.Listen(loopback, hostPort)
			maps.Copy(env, e)
			args = append(args, a...)
		}
		url = "http://" + loopback + ":" + strconv.Itoa(hostPort)
		ready.url = func(context.Context, wait.StrategyTarget) (string, error) { return url, nil }
		opts = append(opts, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.NetworkMode = "host"
		}))
	default:
		if svc.Listen != nil {
			e, a := svc.Listen("0.0.0.0", svc.Port)
			maps.Copy(env, e)
			args = append(args, a...)
		}
		if port, err = network.ParsePort(strconv.Itoa(svc.Port) + "/tcp"); err != nil {
			return Endpoint{}, nil, fmt.Errorf("%s: port %d: %w", svc.Name, svc.Port, err)
		}
		ready.url = func(ctx context.Context, t wait.StrategyTarget) (string, error) {
			return publishedURL(ctx, t, port)
		}
		opts = append(opts,
			testcontainers.WithExposedPorts(port.String()),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
				// Published on loopback only: the reference and most
				// emulators have no authentication.
				hc.PortBindings = network.PortMap{port: {{HostIP: netip.MustParseAddr(loopback), HostPort: "0"}}}
			}))
	}
	opts = append(opts, testcontainers.WithEnv(env), testcontainers.WithWaitStrategy(ready))
	if len(args) > 0 {
		opts = append(opts, testcontainers.WithCmd(args...))
	}

	s.Progressf("starting %s (image %s, %s network)", svc.Name, svc.Image, s.Network)
	started := time.Now()
	c, err := run(ctx, svc.Image, s.Network, opts)
	stop := stopper(c)
	if err != nil {
		_ = stop(ctx)
		removeStarted(startID)
		return Endpoint{}, nil, fmt.Errorf("starting %s from image %s: %w%s", svc.Name, svc.Image, err, hint(err))
	}
	if url == "" {
		if url, err = publishedURL(ctx, c, port); err != nil {
			_ = stop(ctx)
			return Endpoint{}, nil, fmt.Errorf("%s: %w", svc.Name, err)
		}
	}
	s.Progressf("%s answers at %s (container %.12s, ready in %s)", svc.Name, url, c.GetContainerID(), time.Since(started).Round(100*time.Millisecond))
	return Endpoint{URL: url, Region: svc.Region, Image: svc.Image, ContainerID: c.GetContainerID()}, stop, nil
}

const loopback = "127.0.0.1"

// run creates and starts a container as testcontainers.Run does, with one
// difference for host networking: testcontainers attaches every container
// to a default bridge network, creating one ("reaper_default") where the
// engine has none, as with --bridge=none, and Docker then refuses to start
// a host-network container that is also on a bridge. Naming "host" as the
// provider's default network keeps the container on the host network alone.
func run(ctx context.Context, image string, mode Network, opts []testcontainers.ContainerCustomizer) (*testcontainers.DockerContainer, error) {
	req := testcontainers.GenericContainerRequest{ContainerRequest: testcontainers.ContainerRequest{Image: image}, Started: true}
	for _, opt := range opts {
		if err := opt.Customize(&req); err != nil {
			return nil, err
		}
	}
	var providerOpts []testcontainers.DockerProviderOption
	if mode == NetworkHost {
		providerOpts = append(providerOpts, testcontainers.WithDefaultBridgeNetwork(string(NetworkHost)))
	}
	provider, err := testcontainers.NewDockerProvider(providerOpts...)
	if err != nil {
		return nil, err
	}
	// Create and start in two steps, not with provider.RunContainer: that
	// drops the container when a step after its creation fails (the
	// reaper, a hook), and it would be left behind.
	created, err := provider.CreateContainer(ctx, req.ContainerRequest)
	c, _ := created.(*testcontainers.DockerContainer)
	if err != nil {
		return c, err
	}
	return c, c.Start(ctx)
}

// publishedURL returns the URL of the container's port published on
// loopback.
func publishedURL(ctx context.Context, t wait.StrategyTarget, port network.Port) (string, error) {
	mapped, err := t.MappedPort(ctx, port.String())
	if err != nil {
		return "", fmt.Errorf("finding the host port of %s: %w", port, err)
	}
	return "http://" + loopback + ":" + mapped.Port(), nil
}

// stopper returns the Stop of container c: remove it at once (its state is
// thrown away, so there is nothing to stop gracefully), at most once.
func stopper(c *testcontainers.DockerContainer) Stop {
	var once sync.Once
	var err error
	return func(ctx context.Context) error {
		once.Do(func() {
			if c == nil {
				return
			}
			// An interrupted run cancels ctx and must still remove the
			// container: keep ctx's values, not its cancellation.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			err = c.Terminate(ctx, testcontainers.StopTimeout(0))
			if err != nil {
				err = fmt.Errorf("removing container %.12s: %w (remove it with `docker rm -f %.12s`)", c.GetContainerID(), err, c.GetContainerID())
			}
		})
		return err
	}
}

// removeStarted removes every container of the start startID. It is for a
// start that failed before testcontainers returned its container: Docker
// may still have created it, for instance when the start was cancelled
// while the create request was on its way.
func removeStarted(startID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", LabelStart+"="+startID)})
	if err != nil {
		return
	}
	for _, c := range list.Items {
		_, _ = cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}
}

// freeLoopbackPort asks the kernel for a free port on 127.0.0.1. Another
// process could take it before the container binds it; the container then
// exits at once and Start says so.
func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", loopback+":0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port for host networking: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// checkPortFree makes sure that nothing listens on 127.0.0.1:port, where a
// container with host networking and a fixed port is about to listen:
// otherwise the readiness check could be answered by whatever listens there.
func checkPortFree(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d on 127.0.0.1 is in use, and with host networking (%s=host) the container listens on this machine's port %d: stop what listens there, or choose another port: %w", port, EnvNetwork, port, err)
	}
	return ln.Close()
}

// hint adds what to do for the failures whose cause is the machine rather
// than the target.
func hint(err error) string {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "ryuk") || strings.Contains(msg, "reaper"):
		return "\n(testcontainers' reaper could not start: where no registry is reachable, set TESTCONTAINERS_RYUK_DISABLED=true; kmsconform removes its containers itself)"
	case strings.Contains(msg, "address already in use"):
		return "\n(a port was taken between choosing and binding it: run again)"
	}
	return ""
}
