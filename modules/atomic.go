package modules

import (
	"os"
	"path/filepath"
)

// writeFileAtomic replaces a controller file with data and mode through a
// temporary file beside it and a rename, so readers never see it half
// written. Every step's error counts: a failed write or chmod must never
// rename a short or open file over a good one (a CA key), and the data is
// synced first so a crash cannot leave an empty file under the name.
func writeFileAtomic(name string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".hapb-write.*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
