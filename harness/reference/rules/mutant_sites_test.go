package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// TestEachMutantHasOneSite: every mutant is checked at exactly one place in
// the decision layer, so a mutant breaks one rule's enforcement and nothing
// else, and no mutant is forgotten. The server's authentication
// (../reference.go) is searched too: it comes before any decision, so the
// signature mutant can only be checked there.
func TestEachMutantHasOneSite(t *testing.T) {
	names := map[string]mutant.Name{}
	for _, m := range mutant.All() {
		names[string(m.Name)] = m.Name
	}
	// The constants' identifiers, as written in the code: mutant.<Ident>.
	consts := map[string]string{} // identifier -> mutant name
	fset := token.NewFileSet()
	pkg, err := parser.ParseFile(fset, filepath.Join("..", "mutant", "mutant.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(pkg, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Values) == 1 {
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
				consts[vs.Names[0].Name] = strings.Trim(lit.Value, `"`)
			}
		}
		return true
	})

	sites := map[string][]string{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("..", "reference.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "mutant" {
				if name, ok := consts[sel.Sel.Name]; ok {
					sites[name] = append(sites[name], fset.Position(sel.Pos()).String())
				}
			}
			return true
		})
	}
	for name := range names {
		if n := len(sites[name]); n != 1 {
			t.Errorf("mutant %s is checked at %d places, want 1: %v", name, n, sites[name])
		}
	}
}
