package invoicepdf

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"net/http"

	xdraw "golang.org/x/image/draw"
)

// ErrInvalidLogo is wrapped by the error Render returns when Invoice.Logo is
// set but is not a PNG or JPEG image it can use. A caller that prefers an
// invoice without a logo to no invoice can check for it with errors.Is and
// render again with Logo nil.
var ErrInvalidLogo = errors.New("invoicepdf: invalid logo")

// Logo limits. The logo is drawn at most about 60 × 18 mm, so 600 pixels on
// the long side is already print quality; bigger images are scaled down
// before embedding to keep the PDF small. Anything over maxLogoPixels is
// refused before it is decoded (a decompression bomb must not be decoded).
const (
	maxLogoBytes  = 5 << 20
	maxLogoPixels = 40_000_000
	maxLogoSide   = 600
)

// logoImage is a logo ready for the PDF: an 8-bit PNG gofpdf can embed
// (gofpdf rejects interlaced and 16-bit PNGs, which the stdlib decodes fine)
// and its aspect ratio.
type logoImage struct {
	png           []byte
	width, height int
}

// prepareLogo checks the logo by content, not by name, and re-encodes it.
func prepareLogo(b []byte) (*logoImage, error) {
	if len(b) > maxLogoBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalidLogo, len(b), maxLogoBytes)
	}
	var decode func([]byte) (image.Image, error)
	var decodeConfig func([]byte) (image.Config, error)
	switch ct := http.DetectContentType(b); ct {
	case "image/png":
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case "image/jpeg":
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
	default:
		return nil, fmt.Errorf("%w: content is %s, want a PNG or JPEG image", ErrInvalidLogo, ct)
	}
	cfg, err := decodeConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidLogo, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxLogoPixels {
		return nil, fmt.Errorf("%w: %d × %d pixels is too large", ErrInvalidLogo, cfg.Width, cfg.Height)
	}
	src, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidLogo, err)
	}

	w, h := cfg.Width, cfg.Height
	if w > maxLogoSide || h > maxLogoSide {
		if w >= h {
			w, h = maxLogoSide, max(1, h*maxLogoSide/w)
		} else {
			w, h = max(1, w*maxLogoSide/h), maxLogoSide
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == cfg.Width && h == cfg.Height {
		draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	} else {
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&out, dst); err != nil {
		return nil, fmt.Errorf("invoicepdf: re-encode logo: %w", err)
	}
	return &logoImage{png: out.Bytes(), width: w, height: h}, nil
}
