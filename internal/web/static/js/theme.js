// Applies the theme the visitor chose before the page paints, so a dark
// theme never flashes light. Without a stored choice the CSS follows the
// system setting.
(function () {
  try {
    var t = localStorage.getItem("portico-theme");
    if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
  } catch (e) { /* storage blocked: follow the system */ }
})();
