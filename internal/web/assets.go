package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under content-hashed URLs
// (/static/<hash>/<name>), so they can be cached for a year and a new
// release is never mixed with an old cached file.
type assets struct {
	files map[string]asset // by name, e.g. "css/portico.css"
}

type asset struct {
	body        []byte
	hash        string
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.files[strings.TrimPrefix(p, "static/")] = asset{body: body, hash: hex.EncodeToString(sum[:])[:12], contentType: ct}
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a static file; an unknown name is a
// programming error caught when templates are first rendered in tests.
func (a *assets) URL(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

// serve answers GET /static/{hash}/{name...}. A stale hash still gets the
// current file, but only briefly cached, so an old page keeps working.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	if r.PathValue("hash") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Write(f.body)
}
