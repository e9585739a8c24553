package profile

import "testing"

func TestParse(t *testing.T) {
	for _, p := range All() {
		got, err := Parse(string(p))
		if err != nil || got != p {
			t.Fatalf("Parse(%q) = %q, %v", p, got, err)
		}
	}
	if _, err := Parse("2024"); err == nil {
		t.Fatal("Parse(2024) accepted a profile that does not exist")
	} else if want := `unknown profile "2024": use one of 2022, 2023, 2025`; err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
}

func TestAtLeast(t *testing.T) {
	cases := []struct {
		p, q Profile
		want bool
	}{
		{P2022, P2022, true}, {P2023, P2022, true}, {P2025, P2023, true},
		{P2022, P2023, false}, {P2023, P2025, false},
	}
	for _, c := range cases {
		if got := c.p.AtLeast(c.q); got != c.want {
			t.Errorf("%s.AtLeast(%s) = %v, want %v", c.p, c.q, got, c.want)
		}
	}
}
