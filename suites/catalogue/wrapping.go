package catalogue

import (
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
)

// WrappingCell is one combination of the wrapping matrix: importing material of KeySpec, wrapped
// with Algorithm under a WrappingKeySpec public key, in Profile. It either succeeds (Allowed) or
// is refused with Error. Rule and Case name the catalogue expectation behind the cell; Tier and
// Evidence are that expectation's, and decide how strictly the cell is asserted.
type WrappingCell struct {
	Profile         profile.Profile
	Class           string // SYMMETRIC_DEFAULT, HMAC, RSA or ECC
	KeySpec         types.KeySpec
	Algorithm       types.AlgorithmSpec
	WrappingKeySpec types.WrappingKeySpec
	Allowed         bool
	Error           string // the expected error code when not Allowed
	Rule            string
	Case            string
	Tier            Tier
	Evidence        Evidence
}

// String names the cell as a table entry does: "ECC_NIST_P521 RSAES_OAEP_SHA_256 RSA_2048".
func (c WrappingCell) String() string {
	return fmt.Sprintf("%s %s %s", c.KeySpec, c.Algorithm, c.WrappingKeySpec)
}

// The key spec classes of the wrapping table (research section 5).
var keySpecClasses = []string{"SYMMETRIC_DEFAULT", "HMAC", "RSA", "ECC"}

type wrappingDoc struct {
	Profiles []wrappingProfile `yaml:"profiles"`
}

type wrappingProfile struct {
	Profile          profile.Profile         `yaml:"profile"`
	Algorithms       []types.AlgorithmSpec   `yaml:"algorithms"`
	WrappingKeySpecs []types.WrappingKeySpec `yaml:"wrappingKeySpecs"`
	Classes          []wrappingClass         `yaml:"classes"`
}

type wrappingClass struct {
	Class        string          `yaml:"class"`
	KeySpecs     []types.KeySpec `yaml:"keySpecs"`
	Combinations []combination   `yaml:"combinations"`
}

type combination struct {
	KeySpecs         []types.KeySpec         `yaml:"keySpecs"`
	Algorithms       []types.AlgorithmSpec   `yaml:"algorithms"`
	WrappingKeySpecs []types.WrappingKeySpec `yaml:"wrappingKeySpecs"`
	Outcome          string                  `yaml:"outcome"`
	Error            string                  `yaml:"error"`
	Rule             string                  `yaml:"rule"`
	Case             string                  `yaml:"case"`
	Tier             Tier                    `yaml:"tier"`
}

const (
	allowed  = "allowed"
	rejected = "rejected"
)

func (cb combination) matches(ks types.KeySpec, alg types.AlgorithmSpec, wks types.WrappingKeySpec) bool {
	return (len(cb.KeySpecs) == 0 || slices.Contains(cb.KeySpecs, ks)) &&
		slices.Contains(cb.Algorithms, alg) &&
		slices.Contains(cb.WrappingKeySpecs, wks)
}

// expandWrapping turns the matrix into cells, checking it against the SDK's enums and against the
// rules that back each combination. It needs the rules' effective case values (fillDefaults).
func (p *problems) expandWrapping(c *Catalogue, d wrappingDoc) map[profile.Profile][]WrappingCell {
	out := map[profile.Profile][]WrappingCell{}
	for _, wp := range d.Profiles {
		where := fmt.Sprintf("%s: profile %q", wrappingFile, wp.Profile)
		if _, err := profile.Parse(string(wp.Profile)); err != nil {
			p.addf("%s: %v", where, err)
			continue
		}
		if _, dup := out[wp.Profile]; dup {
			p.addf("%s: listed twice", where)
			continue
		}
		out[wp.Profile] = p.expandProfile(c, where, wp)
	}
	for _, pr := range profile.All() {
		if _, ok := out[pr]; !ok {
			p.addf("%s: profile %s is missing: every profile needs its matrix", wrappingFile, pr)
		}
	}
	return out
}

func (p *problems) expandProfile(c *Catalogue, where string, wp wrappingProfile) []WrappingCell {
	checkEnum(p, where, "algorithms", wp.Algorithms, types.AlgorithmSpec("").Values())
	checkEnum(p, where, "wrappingKeySpecs", wp.WrappingKeySpecs, types.WrappingKeySpec("").Values())
	if len(wp.Classes) == 0 {
		p.addf("%s: no classes: list the key spec classes that can be imported in this profile", where)
	}
	cells := []WrappingCell{}
	classOf := map[types.KeySpec]string{}
	seenClass := map[string]bool{}
	for _, cl := range wp.Classes {
		cw := fmt.Sprintf("%s, class %q", where, cl.Class)
		if !slices.Contains(keySpecClasses, cl.Class) {
			p.addf("%s: unknown class: use one of %s", cw, joinStrings(keySpecClasses))
			continue
		}
		if seenClass[cl.Class] {
			p.addf("%s: listed twice", cw)
			continue
		}
		seenClass[cl.Class] = true
		checkEnum(p, cw, "keySpecs", cl.KeySpecs, types.KeySpec("").Values())
		for _, ks := range cl.KeySpecs {
			if other, ok := classOf[ks]; ok {
				p.addf("%s: key spec %s is also in class %q", cw, ks, other)
			}
			classOf[ks] = cl.Class
		}
		if len(cl.Combinations) == 0 {
			p.addf("%s: no combinations", cw)
		}
		for i, cb := range cl.Combinations {
			p.checkCombination(c, fmt.Sprintf("%s, combination %d", cw, i+1), wp, cl, cb)
		}

		decides := make([]bool, len(cl.Combinations))
		for _, ks := range cl.KeySpecs {
			for _, alg := range wp.Algorithms {
				for _, wks := range wp.WrappingKeySpecs {
					i := slices.IndexFunc(cl.Combinations, func(cb combination) bool { return cb.matches(ks, alg, wks) })
					if i < 0 {
						p.addf("%s: no combination decides %s %s %s: every cell needs one", cw, ks, alg, wks)
						continue
					}
					decides[i] = true
					cells = append(cells, c.cell(wp.Profile, cl.Class, ks, alg, wks, cl.Combinations[i]))
				}
			}
		}
		for i, d := range decides {
			if !d && len(cl.KeySpecs) > 0 {
				p.addf("%s, combination %d: decides no cell, because earlier combinations match all of it: remove or reorder it", cw, i+1)
			}
		}
	}
	return cells
}

func (p *problems) checkCombination(c *Catalogue, where string, wp wrappingProfile, cl wrappingClass, cb combination) {
	for _, ks := range cb.KeySpecs {
		if !slices.Contains(cl.KeySpecs, ks) {
			p.addf("%s: key spec %q is not one of the class's keySpecs", where, ks)
		}
	}
	if len(cb.Algorithms) == 0 {
		p.addf("%s: algorithms is empty", where)
	}
	for _, a := range cb.Algorithms {
		if !slices.Contains(wp.Algorithms, a) {
			p.addf("%s: algorithm %q is not one of the profile's algorithms", where, a)
		}
	}
	if len(cb.WrappingKeySpecs) == 0 {
		p.addf("%s: wrappingKeySpecs is empty", where)
	}
	for _, w := range cb.WrappingKeySpecs {
		if !slices.Contains(wp.WrappingKeySpecs, w) {
			p.addf("%s: wrapping key spec %q is not one of the profile's wrappingKeySpecs", where, w)
		}
	}
	switch cb.Outcome {
	case allowed:
		if cb.Error != "" {
			p.addf("%s: an allowed combination has no error: remove error %q", where, cb.Error)
		}
	case rejected:
		if cb.Error == "" {
			p.addf("%s: a rejected combination needs the expected error code", where)
		} else if !slices.Contains(errorCodes, cb.Error) {
			p.addf("%s: unknown error code %q", where, cb.Error)
		}
	default:
		p.addf("%s: unknown outcome %q: use allowed or rejected", where, cb.Outcome)
	}
	if !slices.Contains([]Tier{Conformance, Provisional}, cb.Tier) {
		p.addf("%s: unknown tier %q: use conformance or provisional", where, cb.Tier)
	}

	ri, ok := c.index[cb.Rule]
	if !ok {
		p.addf("%s: unknown rule id %q: name the rules.yaml rule that backs the combination", where, cb.Rule)
		return
	}
	r := c.rules[ri]
	if !r.InProfile(wp.Profile) {
		p.addf("%s: rule %s is not in profile %s", where, r.ID, wp.Profile)
	}
	e, err := r.Expectation(cb.Case)
	if err != nil {
		p.addf("%s: %v", where, err)
		return
	}
	if !e.InProfile(wp.Profile) {
		p.addf("%s: case %q of %s does not apply to profile %s", where, e.Case, r.ID, wp.Profile)
	}
	if (cb.Outcome == allowed) != (e.Outcome == OutcomeSuccess) || (cb.Outcome == rejected && cb.Error != e.Error) {
		p.addf("%s: outcome %s %s disagrees with %s case %q (%s %s)", where, cb.Outcome, cb.Error, r.ID, e.Case, e.Outcome, e.Error)
	}
	if cb.Tier != e.Tier {
		p.addf("%s: tier %s disagrees with %s case %q (tier %s)", where, cb.Tier, r.ID, e.Case, e.Tier)
	}
}

// cell builds a cell; the evidence comes from the backing case, so a mismatch there is reported by
// checkCombination, not here.
func (c *Catalogue) cell(p profile.Profile, class string, ks types.KeySpec, alg types.AlgorithmSpec, wks types.WrappingKeySpec, cb combination) WrappingCell {
	cell := WrappingCell{
		Profile:         p,
		Class:           class,
		KeySpec:         ks,
		Algorithm:       alg,
		WrappingKeySpec: wks,
		Allowed:         cb.Outcome == allowed,
		Error:           cb.Error,
		Rule:            cb.Rule,
		Case:            cb.Case,
		Tier:            cb.Tier,
	}
	if ri, ok := c.index[cb.Rule]; ok {
		if e, err := c.rules[ri].Expectation(cb.Case); err == nil {
			cell.Evidence = e.Evidence
		}
	}
	return cell
}
