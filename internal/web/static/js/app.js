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

// Accounts: the scope checklist on the account form. A filter box (hidden
// until this runs) hides customers whose name or key does not match; ticking
// a customer chooses "Selected customers"; choosing "All customers" greys the
// list; the count follows the ticks. Without JavaScript the whole list shows
// and the server ignores ticks when All is chosen.
(function () {
  "use strict";
  document.querySelectorAll("[data-checklist]").forEach(function (box) {
    var scope = box.closest("[data-scope]");
    var filter = box.querySelector("[data-checklist-filter]");
    var count = box.querySelector("[data-checklist-count]");
    var none = box.querySelector("[data-checklist-none]");
    var items = box.querySelectorAll("li[data-name]");
    var ticks = box.querySelectorAll("input[type=checkbox]");

    function recount() {
      var n = 0;
      ticks.forEach(function (t) { if (t.checked) n++; });
      if (count) count.textContent = n + " of " + ticks.length + " ticked";
    }
    function syncAll() {
      var all = scope && scope.querySelector("input[name=scope][value=all]:checked");
      box.classList.toggle("checklist-off", !!all);
    }

    if (filter) {
      filter.hidden = false;
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        var shown = 0;
        items.forEach(function (li) {
          var hit = !q || (li.getAttribute("data-name") || "").toLowerCase().indexOf(q) !== -1;
          li.hidden = !hit;
          if (hit) shown++;
        });
        if (none) none.hidden = shown !== 0;
      });
      // Enter in the filter box filters; it must not submit the form.
      filter.addEventListener("keydown", function (e) {
        if (e.key === "Enter") e.preventDefault();
      });
    }
    box.addEventListener("change", function (e) {
      if (e.target.type !== "checkbox") return;
      recount();
      if (e.target.checked && scope) {
        var selected = scope.querySelector("input[name=scope][value=selected]");
        if (selected && !selected.checked) {
          selected.checked = true;
          syncAll();
        }
      }
    });
    if (scope) scope.addEventListener("change", function (e) {
      if (e.target.name === "scope") syncAll();
    });
    recount();
    syncAll();
  });
})();
