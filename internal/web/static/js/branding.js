// The branding page: keeps the colour picker and the colour's text field
// in step, and redraws the light and dark previews as the name, colour and
// logo change. The palettes come from the server (the same stylesheet the
// portal links), so the preview shows exactly the colours pages will use,
// after any adjustment for contrast. Without JavaScript the form works
// the same; the previews show what is saved.
(function () {
  "use strict";
  var form = document.querySelector("[data-branding-form]");
  if (!form) return;
  var name = form.querySelector("#name");
  var accent = form.querySelector("#accent");
  var picker = form.querySelector("#accent-picker");
  var logo = form.querySelector("#logo");
  var remove = form.querySelector("input[name=remove_logo]");
  var tooBig = form.querySelector("[data-logo-too-big]");
  var previews = document.querySelectorAll("[data-preview]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var hexRe = /^#[0-9a-fA-F]{6}$/;
  var varsRe = /--accent: (#[0-9a-f]{6});\s*--accent-strong: (#[0-9a-f]{6});\s*--accent-soft: (#[0-9a-f]{6});\s*--accent-contrast: (#[0-9a-f]{6});/g;
  var cache = {};
  var chosenLogo = null; // {src, w, h} of a file chosen in this form

  function list(s) { return (s || "").split(","); }

  function paint(el, p) {
    if (!p || p.length !== 4) return;
    el.style.setProperty("--pv-accent", p[0]);
    el.style.setProperty("--pv-accent-strong", p[1]);
    el.style.setProperty("--pv-accent-soft", p[2]);
    el.style.setProperty("--pv-accent-contrast", p[3]);
  }

  function paintAll(light, dark) {
    previews.forEach(function (el) { paint(el, el.getAttribute("data-preview") === "dark" ? dark : light); });
  }

  function palettesOf(hex, done) {
    hex = hex.toLowerCase();
    if (cache[hex]) { done(cache[hex]); return; }
    var url = form.getAttribute("data-palette-url").replace("HEX", hex.slice(1));
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (css) {
      var found = [], m;
      varsRe.lastIndex = 0;
      while ((m = varsRe.exec(css)) !== null) found.push([m[1], m[2], m[3], m[4]]);
      if (found.length >= 2) {
        cache[hex] = { light: found[0], dark: found[1] };
        done(cache[hex]);
      }
    }).catch(function () { /* the preview keeps its colours */ });
  }

  function updateColour() {
    var v = accent.value.trim();
    if (v === "") {
      paintAll(list(form.getAttribute("data-inherit-light")), list(form.getAttribute("data-inherit-dark")));
      return;
    }
    if (!hexRe.test(v)) return;
    palettesOf(v, function (p) {
      if (accent.value.trim().toLowerCase() === v.toLowerCase()) paintAll(p.light, p.dark);
    });
  }

  // fit is the size to draw a w × h logo at in the header (200 × 36 at most).
  function fit(w, h) {
    if (!w || !h) return [36, 36];
    if (w <= 200 && h <= 36) return [w, h];
    if (w * 36 >= h * 200) return [200, Math.max(1, Math.round(h * 200 / w))];
    return [Math.max(1, Math.round(w * 36 / h)), 36];
  }

  function updateBrand() {
    var shownName = name.value.trim() || form.getAttribute("data-inherit-name");
    var src = "", withName = true, tone = "", size = "", w = 0, h = 0;
    if (chosenLogo) {
      src = chosenLogo.src; w = chosenLogo.w; h = chosenLogo.h; withName = w < 2 * h;
    } else if (form.getAttribute("data-own-logo") && !(remove && remove.checked)) {
      src = form.getAttribute("data-own-logo"); withName = form.getAttribute("data-own-logo-with-name") === "true";
      tone = form.getAttribute("data-own-logo-tone");
      size = form.getAttribute("data-own-logo-size");
    } else if (form.getAttribute("data-inherit-logo")) {
      src = form.getAttribute("data-inherit-logo"); withName = form.getAttribute("data-inherit-logo-with-name") === "true";
      tone = form.getAttribute("data-inherit-logo-tone");
      size = form.getAttribute("data-inherit-logo-size");
    }
    previews.forEach(function (el) {
      var img = el.querySelector("[data-preview-logo]");
      var mark = el.querySelector("[data-preview-mark]");
      var label = el.querySelector("[data-preview-name]");
      label.textContent = shownName;
      if (src) {
        if (img.getAttribute("src") !== src) img.setAttribute("src", src);
        img.className = "preview-logo" + (tone ? " preview-logo-" + tone : "");
        var wh = chosenLogo ? fit(w, h) : (size || "").split("x");
        if (wh.length === 2 && +wh[0] > 0) {
          img.setAttribute("width", wh[0]);
          img.setAttribute("height", wh[1]);
        }
        img.hidden = false;
        mark.hidden = true;
        label.hidden = !withName;
      } else {
        img.hidden = true;
        mark.hidden = false;
        label.hidden = false;
      }
    });
  }

  picker.addEventListener("input", function () {
    accent.value = picker.value;
    updateColour();
  });
  accent.addEventListener("input", function () {
    var v = accent.value.trim();
    if (hexRe.test(v)) picker.value = v.toLowerCase();
    updateColour();
  });
  name.addEventListener("input", updateBrand);
  if (remove) remove.addEventListener("change", updateBrand);

  logo.addEventListener("change", function () {
    var f = logo.files && logo.files[0];
    chosenLogo = null;
    tooBig.hidden = true;
    if (!f) { updateBrand(); return; }
    if (maxBytes && f.size > maxBytes) {
      tooBig.hidden = false;
      updateBrand();
      return;
    }
    if (!/^image\/(png|jpeg|gif)$/.test(f.type)) { updateBrand(); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var probe = new Image();
      probe.onload = function () {
        chosenLogo = { src: reader.result, w: probe.naturalWidth, h: probe.naturalHeight };
        updateBrand();
      };
      probe.src = reader.result;
    };
    reader.readAsDataURL(f);
  });

  // A file over the limit would be refused by the server (or, past the
  // request limit, answered with a bare error page): say so here instead.
  form.addEventListener("submit", function (e) {
    var f = logo.files && logo.files[0];
    if (maxBytes && f && f.size > maxBytes) {
      e.preventDefault();
      e.stopPropagation(); // and leave the button as it was
      tooBig.hidden = false;
      logo.focus();
    }
  });

  // The previews start from the palettes the server drew them with.
  previews.forEach(function (el) { paint(el, list(el.getAttribute("data-palette"))); });
})();
