package kmsapi

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimestampRoundTrip(t *testing.T) {
	at := time.Date(2025, 7, 1, 12, 0, 0, 123000000, time.UTC)
	b, err := json.Marshal(Timestamp{at})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "1751371200.123" {
		t.Fatalf("marshalled %s", b)
	}
	var back Timestamp
	if err := back.UnmarshalJSON(b); err != nil || !back.Equal(at) {
		t.Fatalf("unmarshalled %v, %v", back.Time, err)
	}
}

func TestTimestampUnmarshal(t *testing.T) {
	for in, want := range map[string]time.Time{
		"0":              time.Unix(0, 0),
		"1.5":            time.Unix(1, 500000000),
		"-1.25":          time.Unix(-2, 750000000),
		"1.7e9":          time.Unix(1700000000, 0),
		"1751371200.001": time.Unix(1751371200, 1000000),
	} {
		var ts Timestamp
		if err := ts.UnmarshalJSON([]byte(in)); err != nil || !ts.Equal(want) {
			t.Errorf("%s: %v, %v; want %v", in, ts.Time, err, want)
		}
	}
	for _, in := range []string{`"2025-07-01T00:00:00Z"`, "true", "null", "1e16", "-1e16", "1e400", "", "[1]"} {
		var ts Timestamp
		if err := ts.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("%s: accepted as %v", in, ts.Time)
		}
	}
}
