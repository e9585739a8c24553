package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/target"
)

func check(t *testing.T, url string) error {
	t.Helper()
	c, err := New(context.Background(), config.Config{Region: "us-east-1"}, target.Endpoint{URL: url, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return Check(context.Background(), c, url, "--endpoint")
}

func TestCheckExplainsWhatIsWrong(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "http://" + ln.Addr().String()
	ln.Close()

	notKMS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>not here</html>", http.StatusNotFound)
	}))
	defer notKMS.Close()
	denies := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}`))
	}))
	defer denies.Close()

	for _, c := range []struct {
		name, url, want string
	}{
		{"nothing listening", closedPort, "connection refused. Is the service running on that port?"},
		{"not a KMS", notKMS.URL, "is it an AWS KMS (JSON 1.1) endpoint?"},
		{"credentials refused", denies.URL, "refused the credentials (UnrecognizedClientException)"},
	} {
		err := check(t, c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "(from --endpoint)") {
			t.Errorf("%s: the error does not name the setting to change: %v", c.name, err)
		}
	}
}

func TestCheckAcceptsTheReference(t *testing.T) {
	ref, err := reference.New(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	srv := httptest.NewServer(ref)
	defer srv.Close()
	if err := check(t, srv.URL); err != nil {
		t.Fatal(err)
	}
}
