// Écrire un article: progressive enhancement of the editor's plain <textarea>. Without this
// script everything works (Markdown typed by hand, photo snippets copied from the gallery).
// With it, a small toolbar inserts headings, bold, lists and links at the cursor, and each
// photo of the gallery gets an "Insérer" button that puts its snippet (with its alt text to
// complete) into the text. Button labels come from the page (data-t-* on the text box).
(function () {
  "use strict";
  var area = document.querySelector("textarea[data-editor]");
  if (!area || !area.setSelectionRange) return;
  function t(key, fallback) { return area.getAttribute("data-t-" + key) || fallback; }

  function insert(before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.focus();
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }
  function line(prefix) {
    var start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    area.setRangeText(prefix, start, start, "end");
    area.focus();
  }

  var bar = document.createElement("div");
  bar.className = "editor-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", t("toolbar", "Mise en forme"));
  [
    [t("heading", "Intertitre"), function () { line("## "); }],
    [t("bold", "Gras"), function () { insert("**", "**", t("bold", "gras")); }],
    [t("list", "Liste"), function () { line("- "); }],
    [t("link", "Lien"), function () { insert("[", "](https://)", t("link", "lien")); }],
  ].forEach(function (b) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = b[0];
    button.addEventListener("click", b[1]);
    bar.appendChild(button);
  });
  area.parentNode.insertBefore(bar, area);

  document.querySelectorAll(".picker textarea[readonly]").forEach(function (snippet) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = t("insert", "Insérer dans le texte");
    button.addEventListener("click", function () {
      var pos = area.selectionStart;
      var text = (pos > 0 && area.value[pos - 1] !== "\n" ? "\n\n" : "") + snippet.value + "\n";
      area.setRangeText(text, pos, area.selectionEnd, "end");
      area.focus();
    });
    snippet.parentNode.appendChild(button);
  });
})();
