package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWasFetched: a file fetch wrote is refused as a template, by its path
// or through a symlink to it; other files are not.
func TestWasFetched(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "fetched.j2")
	other := filepath.Join(dir, "role.j2")
	link := filepath.Join(dir, "link.j2")
	for _, f := range []string{got, other} {
		if err := os.WriteFile(f, []byte("{{ x }}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(got, link); err != nil {
		t.Fatal(err)
	}
	noteFetched(got)
	tests := []struct {
		path    string
		fetched bool
	}{
		{got, true},
		{link, true},
		{other, false},
		{filepath.Join(dir, "missing.j2"), false},
	}
	for _, tt := range tests {
		if f := wasFetched(tt.path); f != tt.fetched {
			t.Errorf("wasFetched(%s) = %v, want %v", filepath.Base(tt.path), f, tt.fetched)
		}
		_, err := parseTemplateFile(tt.path)
		if refused := err != nil && strings.Contains(err.Error(), "was fetched from a host"); refused != tt.fetched {
			t.Errorf("template %s: %v, want refused %v", filepath.Base(tt.path), err, tt.fetched)
		}
	}
}
