package awserr

import (
	"errors"
	"fmt"
	"testing"
)

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[Code]int{
		NotFound: 400, KMSInvalidState: 400, Disabled: 400, InvalidImportToken: 400, Validation: 400,
		AccessDenied: 400, InvalidSignature: 400, UnrecognizedClient: 400, MissingAuthenticationToken: 400, IncompleteSignature: 400,
		KMSInternal: 500, RequestEntityTooLarge: 413, MethodNotAllowed: 405,
	} {
		if got := New(code, "m").HTTPStatus(); got != want {
			t.Errorf("%s: HTTP %d, want %d", code, got, want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", New(Disabled, "k is disabled."))
	if CodeOf(err) != Disabled {
		t.Fatalf("CodeOf = %s", CodeOf(err))
	}
	if CodeOf(errors.New("plain")) != KMSInternal {
		t.Fatal("an unclassified error is not KMSInternal")
	}
	if got := New(NotFound, "Key '%s' does not exist", "x").Error(); got != "NotFoundException: Key 'x' does not exist" {
		t.Fatalf("Error() = %q", got)
	}
}
