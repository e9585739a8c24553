package conform

import (
	"github.com/onsi/gomega/format"
)

// Gomega prints an unexpected error by walking its structure. An AWS SDK
// error holds the live HTTP response, so that walk is both unreadable
// (hundreds of lines) and a data race with the transport goroutine that still
// owns the response. Print every error the way the suite classifies it
// instead: code, HTTP status and message.
func init() {
	format.RegisterCustomFormatter(func(value any) (string, bool) {
		err, ok := value.(error)
		if !ok || err == nil {
			return "", false
		}
		return Observe(err).String(), true
	})
}
