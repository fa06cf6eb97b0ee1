package brand

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"

	xdraw "golang.org/x/image/draw"
)

// Logo limits. An upload is read only up to MaxLogoBytes (a logo is small;
// the limit also stays well inside the request body limit, so an admin gets
// this package's message rather than a bare 413). Its dimensions are read
// from the header first and refused above MaxLogoSide or MaxLogoPixels, so a
// small file that claims a huge image (a decompression bomb) is never
// decoded. What is kept is a PNG of at most LogoMaxWidth × LogoMaxHeight.
const (
	MaxLogoBytes  = 512 << 10
	MaxLogoSide   = 6000
	MaxLogoPixels = 12_000_000
	LogoMaxWidth  = 800
	LogoMaxHeight = 240
)

// Logo is an uploaded logo after checking: re-encoded PNG bytes, their
// size in pixels, and the id they are stored and served under (the hex
// SHA-256 of the bytes).
type Logo struct {
	ID            string
	PNG           []byte
	Width, Height int
}

// acceptedTypes is what the admin is told may be uploaded.
const acceptedTypes = "Upload a PNG, JPEG or GIF image."

func logoError(msg string) error { return &InvalidError{Field: "logo", Message: msg} }

// ErrLogoTooLarge refuses a file over MaxLogoBytes.
var ErrLogoTooLarge = &InvalidError{Field: "logo", Message: fmt.Sprintf("The file is larger than %d KB. Upload a smaller PNG, JPEG or GIF image; a logo needs no more than %d × %d pixels.",
	MaxLogoBytes>>10, LogoMaxWidth, LogoMaxHeight)}

// PrepareLogo checks an uploaded logo by its content (never its name or the
// browser's content type): a PNG, JPEG or GIF of sane dimensions that
// decodes completely. It is then drawn onto a fresh image, scaled down to fit
// LogoMaxWidth × LogoMaxHeight if larger (after trimming fully transparent
// margins), and encoded as PNG: anything
// hidden in the file besides the pixels (comments, trailing script,
// metadata) is gone, and the portal only ever serves PNG bytes it wrote.
func PrepareLogo(b []byte) (*Logo, error) {
	if len(b) == 0 {
		return nil, logoError("The file is empty. " + acceptedTypes)
	}
	if len(b) > MaxLogoBytes {
		return nil, ErrLogoTooLarge
	}
	var decode func(*bytes.Reader) (image.Image, error)
	var decodeConfig func(*bytes.Reader) (image.Config, error)
	switch http.DetectContentType(b) {
	case "image/png":
		decode = func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
	case "image/jpeg":
		decode = func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
	case "image/gif":
		decode = func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) }
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }
	default:
		return nil, logoError("That file is not a PNG, JPEG or GIF image (SVG and other formats are not accepted). " + acceptedTypes)
	}
	cfg, err := decodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, logoError("That image could not be read; it may be damaged. " + acceptedTypes)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide || cfg.Width*cfg.Height > MaxLogoPixels {
		return nil, logoError(fmt.Sprintf("The image is %d × %d pixels, too large for a logo. Upload a smaller image: %d × %d pixels is plenty.",
			cfg.Width, cfg.Height, LogoMaxWidth, LogoMaxHeight))
	}
	src, err := decode(bytes.NewReader(b))
	if err != nil {
		return nil, logoError("That image could not be read completely; it may be damaged or cut short. " + acceptedTypes)
	}
	sb := opaqueBounds(src)
	w, h := fit(sb.Dx(), sb.Dy(), LogoMaxWidth, LogoMaxHeight)
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Src)
	} else {
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, xdraw.Src, nil)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst); err != nil {
		return nil, fmt.Errorf("brand: encode logo: %w", err)
	}
	sum := sha256.Sum256(out.Bytes())
	return &Logo{ID: hex.EncodeToString(sum[:]), PNG: out.Bytes(), Width: w, Height: h}, nil
}

// opaqueBounds is the smallest rectangle holding every pixel of img that
// is not fully transparent: exported logos often carry empty margins, which
// would make the logo look smaller and off-centre in the header. An image
// with no visible pixel keeps its bounds.
func opaqueBounds(img image.Image) image.Rectangle {
	b := img.Bounds()
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return b
	}
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, b.Min.X-1, b.Min.Y-1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0 {
				minX, maxX = min(minX, x), max(maxX, x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < minX {
		return b
	}
	return image.Rect(minX, minY, maxX+1, maxY+1)
}

// fit scales w × h down, keeping its proportions, to fit inside maxW ×
// maxH; a size that fits is returned as it is. Neither side goes below 1.
func fit(w, h, maxW, maxH int) (int, int) {
	if w <= maxW && h <= maxH {
		return w, h
	}
	// Compare w/maxW with h/maxH without floating point.
	if w*maxH >= h*maxW {
		return maxW, max(1, (h*maxW+w/2)/w)
	}
	return max(1, (w*maxH+h/2)/h), maxH
}

// ValidLogoID reports whether id looks like a logo id (64 lower-case hex
// digits), so that nothing else reaches the database.
func ValidLogoID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Logo tones: how a logo with a transparent background reads on the
// portal's backgrounds.
const (
	// ToneDark is a dark logo: it needs a light backing in the dark theme.
	ToneDark = "dark"
	// ToneLight is a pale logo: it needs a dark backing in the light theme
	// and cannot be shown on white paper (emails, PDFs).
	ToneLight = "light"
)

// LogoTone looks at a stored logo's visible pixels and says whether it is
// too dark for the dark theme's header (ToneDark) or too pale for the light
// theme's and for white paper (ToneLight); "" when it reads on both, or when
// it is opaque and brings its own background.
func LogoTone(pngBytes []byte) string {
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return ""
	}
	b := img.Bounds()
	var seen, transparent int
	var r, g, bl, weight float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			seen++
			if ca < 0x8000 {
				transparent++
				continue
			}
			// RGBA is alpha-premultiplied, which is the colour weighted by
			// its alpha: summed, and divided by the summed alpha, it is the
			// average colour of what shows.
			r, g, bl, weight = r+float64(cr)/0xffff, g+float64(cg)/0xffff, bl+float64(cb)/0xffff, weight+float64(ca)/0xffff
		}
	}
	if seen == 0 || weight == 0 || transparent*20 < seen {
		return ""
	}
	avg := rgb{r / weight, g / weight, bl / weight}
	// A logo is a graphic, not text, and most read well at ratios far
	// below text's 4.5:1 (an orange mark on white is about 2.3:1): only
	// one that nearly disappears gets a backing.
	const faint = 2
	switch {
	case contrast(avg, mustHex(darkBackgrounds[1])) < faint:
		return ToneDark
	case contrast(avg, mustHex(lightBackgrounds[1])) < faint:
		return ToneLight
	}
	return ""
}

func mustHex(s string) rgb {
	c, err := parseHex(s)
	if err != nil {
		panic(err)
	}
	return c
}
