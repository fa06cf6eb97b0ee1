// Small enhancements; every page works without them.
(function () {
  "use strict";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function current() {
    var t = root.getAttribute("data-theme");
    if (t === "light" || t === "dark") return t;
    return media && media.matches ? "dark" : "light";
  }

  function syncToggles() {
    var dark = current() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", dark ? "true" : "false");
    });
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-theme-toggle]");
    if (!b) return;
    var next = current() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("portico-theme", next); } catch (err) { /* not remembered */ }
    syncToggles();
  });

  if (media && media.addEventListener) media.addEventListener("change", syncToggles);
  window.addEventListener("storage", function (e) {
    if (e.key === "portico-theme" && (e.newValue === "light" || e.newValue === "dark")) {
      root.setAttribute("data-theme", e.newValue);
      syncToggles();
    }
  });

  // Forms that end something ask first (data-confirm holds the question).
  document.addEventListener("submit", function (e) {
    var q = e.target.getAttribute("data-confirm");
    if (q && !window.confirm(q)) e.preventDefault();
  }, true);

  // Show that a form is being sent and stop double submits.
  document.addEventListener("submit", function (e) {
    var btn = e.target.querySelector("button[type=submit][data-busy]");
    if (!btn) return;
    window.setTimeout(function () {
      btn.disabled = true;
      btn.textContent = btn.getAttribute("data-busy");
    }, 0);
  });

  // Close the account menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      d.removeAttribute("open");
      d.querySelector("summary").focus();
    });
  });

  // Shift-click on a column header adds it as another sort key instead of
  // replacing the sort (the server builds both links; this picks one).
  document.addEventListener("click", function (e) {
    var a = e.target.closest("a.sort-link[data-add-sort]");
    if (!a || !e.shiftKey) return;
    e.preventDefault();
    e.stopPropagation();
    var url = a.getAttribute("data-add-sort");
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#grid-results", swap: "outerHTML" }).then(function () {
        window.history.pushState({}, "", url);
      });
    } else {
      window.location.href = url;
    }
  }, true);

  syncToggles();
})();
