package brand

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// testImage draws a w × h image with a gradient and a transparent corner.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / max(1, w-1)), G: uint8(y * 255 / max(1, h-1)), B: 0x66, A: 0xff})
		}
	}
	img.SetNRGBA(0, 0, color.NRGBA{})
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngClaiming is a PNG signature and a well-formed IHDR chunk that claims
// w × h pixels, and nothing else: a decompression bomb's header.
func pngClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	// An IDAT that would inflate to gigabytes is not even needed: the
	// header alone must be enough to refuse the file.
	return b.Bytes()
}

func TestPrepareLogoAccepts(t *testing.T) {
	tests := []struct {
		name          string
		file          func(t *testing.T) []byte
		width, height int
	}{
		{"small PNG kept at its size", func(t *testing.T) []byte { return encodePNG(t, testImage(120, 40)) }, 120, 40},
		{"JPEG re-encoded", func(t *testing.T) []byte { return encodeJPEG(t, testImage(300, 100)) }, 300, 100},
		{"GIF re-encoded", func(t *testing.T) []byte { return encodeGIF(t, testImage(64, 64)) }, 64, 64},
		{"wide PNG scaled to the width", func(t *testing.T) []byte { return encodePNG(t, testImage(1600, 400)) }, 800, 200},
		{"tall PNG scaled to the height", func(t *testing.T) []byte { return encodePNG(t, testImage(100, 1000)) }, 24, 240},
		{"transparent margins trimmed", func(t *testing.T) []byte {
			img := image.NewNRGBA(image.Rect(0, 0, 200, 100))
			for y := 20; y < 80; y++ {
				for x := 50; x < 150; x++ {
					img.SetNRGBA(x, y, color.NRGBA{R: 10, G: 58, B: 110, A: 255})
				}
			}
			return encodePNG(t, img)
		}, 100, 60},
		{"fully transparent image kept whole", func(t *testing.T) []byte { return encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 30, 10))) }, 30, 10},
		{"GIF with script after its trailer", func(t *testing.T) []byte {
			return append(encodeGIF(t, testImage(40, 20)), []byte("/*</script><script>alert(document.cookie)</script>*/")...)
		}, 40, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.file(t)
			logo, err := PrepareLogo(in)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if logo.Width != tt.width || logo.Height != tt.height {
				t.Errorf("size %d × %d, want %d × %d", logo.Width, logo.Height, tt.width, tt.height)
			}
			out, err := png.Decode(bytes.NewReader(logo.PNG))
			if err != nil {
				t.Fatalf("stored bytes are not a PNG: %v", err)
			}
			if b := out.Bounds(); b.Dx() != tt.width || b.Dy() != tt.height {
				t.Errorf("PNG is %v", b)
			}
			sum := sha256.Sum256(logo.PNG)
			if logo.ID != hex.EncodeToString(sum[:]) || !ValidLogoID(logo.ID) {
				t.Errorf("id %q is not the SHA-256 of the PNG", logo.ID)
			}
			if bytes.Contains(logo.PNG, []byte("script")) || bytes.Contains(logo.PNG, []byte("alert")) {
				t.Error("the re-encoded PNG still carries the script")
			}
			again, _ := PrepareLogo(in)
			if again.ID != logo.ID {
				t.Error("the same upload gave another id")
			}
		})
	}
	t.Run("transparency kept", func(t *testing.T) {
		logo, err := PrepareLogo(encodePNG(t, testImage(50, 20)))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := png.Decode(bytes.NewReader(logo.PNG))
		if _, _, _, a := out.At(0, 0).RGBA(); a != 0 {
			t.Errorf("the transparent corner has alpha %d", a)
		}
	})
}

func TestPrepareLogoRefusesHostileFiles(t *testing.T) {
	valid := encodePNG(t, noisy(200, 200))
	tests := []struct {
		name string
		file []byte
		says string // part of the message shown to the admin
	}{
		{"empty file", nil, "empty"},
		{"SVG with a script", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), "PNG, JPEG or GIF"},
		{"SVG without XML declaration", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "SVG"},
		{"HTML named .png", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "PNG, JPEG or GIF"},
		{"plain text", []byte("just some text"), "PNG, JPEG or GIF"},
		{"PDF", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), "PNG, JPEG or GIF"},
		{"PNG header claiming 100000 × 100000", pngClaiming(100000, 100000), "100000 × 100000"},
		{"PNG header claiming 6001 × 10", pngClaiming(6001, 10), "6001 × 10 pixels, too large"},
		{"PNG claiming 5000 × 5000 (over the pixel budget)", pngClaiming(5000, 5000), "5000 × 5000"},
		{"truncated PNG", valid[:len(valid)/2], "could not be read"},
		{"PNG signature only", []byte("\x89PNG\r\n\x1a\n"), "could not be read"},
		{"GIF/JS polyglot whose header is script", []byte("GIF89a/*\x00\x00\x00\x00\x00\x00*/=alert(document.domain);//;"), "pixels"},
		{"GIF/JS polyglot with a broken body", []byte("GIF89a\x10\x00\x10\x00\x00\x00\x00*/=alert(1)//"), "could not be read"},
		{"larger than the limit", append(encodePNG(t, testImage(10, 10)), make([]byte, MaxLogoBytes)...), "larger than 512 KB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logo, err := PrepareLogo(tt.file)
			if err == nil {
				t.Fatalf("accepted as a %d × %d logo", logo.Width, logo.Height)
			}
			var invalid *InvalidError
			if !errors.As(err, &invalid) || invalid.Field != "logo" {
				t.Fatalf("error %v is not a message about the logo field", err)
			}
			if !strings.Contains(invalid.Message, tt.says) {
				t.Errorf("message %q does not say %q", invalid.Message, tt.says)
			}
		})
	}
}

// noisy is an image that does not compress, so half its PNG is missing
// image data rather than just the end marker.
func noisy(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	seed := uint32(1)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	return img
}

func TestFit(t *testing.T) {
	tests := []struct{ w, h, mw, mh, ww, wh int }{
		{100, 50, 800, 240, 100, 50},
		{800, 240, 800, 240, 800, 240},
		{1600, 480, 800, 240, 800, 240},
		{2000, 100, 800, 240, 800, 40},
		{100, 2000, 800, 240, 12, 240},
		{10000, 1, 800, 240, 800, 1},
	}
	for _, tt := range tests {
		if w, h := fit(tt.w, tt.h, tt.mw, tt.mh); w != tt.ww || h != tt.wh {
			t.Errorf("fit(%d×%d in %d×%d) = %d×%d, want %d×%d", tt.w, tt.h, tt.mw, tt.mh, w, h, tt.ww, tt.wh)
		}
	}
	if w, h := DisplaySize(0, 0, 200, 36); w != 36 || h != 36 {
		t.Errorf("DisplaySize of an unknown size = %d×%d", w, h)
	}
}

func TestValidLogoID(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for id, want := range map[string]bool{
		good:                      true,
		strings.ToUpper(good):     false,
		good[:63]:                 false,
		good + "0":                false,
		"../" + good[3:]:          false,
		strings.Repeat("g", 64):   false,
		"":                        false,
		good[:60] + "%2e%2e"[0:4]: false,
	} {
		if ValidLogoID(id) != want {
			t.Errorf("ValidLogoID(%q) = %v", id, !want)
		}
	}
}

func TestLogoTone(t *testing.T) {
	// A mark in the middle of a transparent canvas, in colour c.
	mark := func(c color.NRGBA) []byte {
		img := image.NewNRGBA(image.Rect(0, 0, 100, 40))
		for y := 10; y < 30; y++ {
			for x := 10; x < 90; x++ {
				img.SetNRGBA(x, y, c)
			}
		}
		return encodePNG(t, img)
	}
	opaqueWhite := image.NewNRGBA(image.Rect(0, 0, 50, 20))
	for i := range opaqueWhite.Pix {
		opaqueWhite.Pix[i] = 255
	}
	tests := []struct {
		name string
		png  []byte
		want string
	}{
		{"navy on transparent needs a light backing in the dark theme", mark(color.NRGBA{R: 11, G: 58, B: 110, A: 255}), ToneDark},
		{"white on transparent needs a dark backing in the light theme", mark(color.NRGBA{R: 255, G: 255, B: 255, A: 255}), ToneLight},
		{"mid orange reads on both", mark(color.NRGBA{R: 240, G: 138, B: 36, A: 255}), ""},
		{"opaque logo brings its own background", encodePNG(t, opaqueWhite), ""},
		{"not a PNG", []byte("nope"), ""},
	}
	for _, tt := range tests {
		if got := LogoTone(tt.png); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
