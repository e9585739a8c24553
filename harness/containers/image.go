package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// ScratchImage is an image FROM scratch that holds one static Linux binary
// as its entrypoint: no shell, no libc, nothing to pull.
type ScratchImage struct {
	// Repository is the image's name without a tag ("kmsconform-reference").
	Repository string
	// Binary is the path of the static binary.
	Binary string
	// Name is the binary's file name in the image, at its root.
	Name string
}

// dockerfile is the image's whole recipe.
func (img ScratchImage) dockerfile() string {
	return fmt.Sprintf("FROM scratch\nCOPY %s /%s\nENTRYPOINT [\"/%s\"]\n", img.Name, img.Name, img.Name)
}

// tagLength is how many hex digits of the content hash tag an image:
// 64 bits tell apart every build a machine will ever hold.
const tagLength = 16

// Ensure returns the image's reference, REPOSITORY:HASH, where HASH is the
// SHA-256 of the Dockerfile and the binary. It builds the image only when
// Docker has no image of that reference yet, so a second run with the same
// binary starts at once, and a changed binary gets a new image instead of
// a stale one.
func (img ScratchImage) Ensure(ctx context.Context, s Settings) (string, error) {
	binary, err := os.ReadFile(img.Binary)
	if err != nil {
		return "", fmt.Errorf("reading the binary for image %s: %w", img.Repository, err)
	}
	tag := img.tag(binary)
	ref := img.Repository + ":" + tag

	present, err := imagePresent(ctx, ref)
	switch {
	case err != nil:
		return "", err
	case present:
		return ref, nil
	}
	buildContext, err := img.context(binary)
	if err != nil {
		return "", err
	}
	s.Progressf("building image %s (%d MB binary); later runs with the same binary reuse it", ref, len(binary)>>20)
	start := time.Now()
	provider, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.NewNoopLogger()))
	if err != nil {
		return "", fmt.Errorf("building image %s: %w", ref, err)
	}
	defer provider.Close()
	// testcontainers retries a failed build with backoff; a build FROM
	// scratch that fails once fails again, so bound the retrying.
	buildCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	_, err = provider.BuildImage(buildCtx, &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		ContextArchive: bytes.NewReader(buildContext),
		Repo:           img.Repository,
		Tag:            tag,
		KeepImage:      true,
	}})
	if err != nil {
		return "", fmt.Errorf("building image %s: %w", ref, err)
	}
	s.Progressf("built image %s in %s", ref, time.Since(start).Round(100*time.Millisecond))
	return ref, nil
}

// tag is the image's tag: the start of the SHA-256 of everything the image
// is made of, the Dockerfile and the binary.
func (img ScratchImage) tag(binary []byte) string {
	sum := sha256.New()
	io.WriteString(sum, img.dockerfile())
	sum.Write(binary)
	return hex.EncodeToString(sum.Sum(nil))[:tagLength]
}

// context is the build context: the Dockerfile and the binary, as a tar.
func (img ScratchImage) context(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(img.dockerfile())},
		{img.Name, 0o755, binary},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnavailableError says that an image a target needs is neither present
// locally nor could be pulled.
type UnavailableError struct {
	Image  string
	Reason string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("image %s is not available: %s", e.Image, e.Reason)
}

// EnsurePresent makes sure that the image ref is present locally, pulling
// it once when the pull policy allows. When the image cannot be had, the
// error is an *UnavailableError that says what to do.
func EnsurePresent(ctx context.Context, ref string, s Settings) error {
	s, err := s.resolved()
	if err != nil {
		return err
	}
	present, err := imagePresent(ctx, ref)
	if err != nil || present {
		return err
	}
	if s.Pull == PullNever {
		return &UnavailableError{Image: ref, Reason: fmt.Sprintf("it is not present locally and pulling is off (%s=never): `docker pull %s` (or `docker load` a saved copy) on a machine that can reach its registry", EnvPull, ref)}
	}
	s.Progressf("pulling image %s (not present locally)", ref)
	if err := pull(ctx, ref); err != nil {
		return &UnavailableError{Image: ref, Reason: fmt.Sprintf("it is not present locally and pulling it failed (%v): check the name and tag, `docker login` for a private registry, or `docker load` a saved copy where no registry is reachable", err)}
	}
	return nil
}

// pull pulls ref once, with the registry credentials Docker's own
// configuration holds for it, if any. Unlike testcontainers' pull it does
// not retry: on a machine that cannot reach the registry, retrying only
// delays the answer.
func pull(ctx context.Context, ref string) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	var opts client.ImagePullOptions
	if _, auth, err := testcontainers.DockerImageAuth(ctx, ref); err == nil {
		if opts.RegistryAuth, err = authconfig.Encode(auth); err != nil {
			return err
		}
	}
	resp, err := cli.ImagePull(ctx, ref, opts)
	if err != nil {
		return err
	}
	defer resp.Close()
	return resp.Wait(ctx)
}

// imagePresent reports whether Docker holds the image ref.
func imagePresent(ctx context.Context, ref string) (bool, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return false, err
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case errdefs.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("looking for image %s: %w", ref, err)
}

// IsUnavailable reports whether err says that an image is unavailable.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}
