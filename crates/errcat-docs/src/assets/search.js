// errcat reference site: filter the codes as you type. Plain JavaScript, no server; without it
// the page is whole and the search box stays hidden.
(function () {
  "use strict";
  var box = document.getElementById("search");
  var input = document.getElementById("q");
  if (!box || !input) return;
  box.hidden = false;

  // A code's own page: the box sends the query to the index page.
  if (box.tagName === "FORM") return;

  var count = document.getElementById("search-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.codes tbody tr"));
  var items = rows.map(function (row) {
    var anchor = row.getAttribute("data-anchor");
    return {
      row: row,
      text: row.textContent.toLowerCase() + " " + (anchor || ""),
      section: anchor ? document.getElementById(anchor) : null
    };
  });
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.category"));
  var total = items.length;

  function apply() {
    var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      var ok = true;
      for (var j = 0; j < terms.length; j++) {
        if (it.text.indexOf(terms[j]) < 0) { ok = false; break; }
      }
      it.row.hidden = !ok;
      if (it.section) it.section.hidden = !ok;
      if (ok) shown++;
    }
    for (var k = 0; k < groups.length; k++) {
      groups[k].hidden = !groups[k].querySelector("tbody tr:not([hidden])");
    }
    if (count) {
      var format = count.getAttribute("data-format") || "{n} / {total}";
      count.textContent = terms.length
        ? format.replace("{n}", String(shown)).replace("{total}", String(total))
        : "";
    }
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      if (terms.length) url.searchParams.set("q", input.value);
      else url.searchParams.delete("q");
      window.history.replaceState(null, "", url.toString());
    }
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, total > 2000 ? 120 : 30);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { input.value = ""; apply(); }
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target && ev.target.tagName;
    if (ev.key === "/" && t !== "INPUT" && t !== "TEXTAREA") {
      ev.preventDefault();
      input.focus();
    }
  });

  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { input.value = q; apply(); }
})();
