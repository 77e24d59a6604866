/* exitlens review: the page's only script besides htmx (no inline script anywhere).
 * - sends the CSRF token (from <meta name="csrf-token">) with every HTMX request;
 * - review queue keyboard shortcuts: j/k move, a accepts, r rejects the selected row;
 * - "add a coding": a text selection inside the document text becomes a form's offsets
 *   (UTF-16 code units, as the browser counts them; the server converts to code points
 *   and checks the selected text).
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  /* ------------------------------------------------------------ review queue keys */
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-review-row]"));
  }

  function selected() {
    return document.querySelector("[data-review-row].selected");
  }

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); });
    if (row) {
      row.classList.add("selected");
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(selected());
    var next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[next]);
  }

  function press(action) {
    var row = selected();
    if (!row) { return; }
    var button = row.querySelector('button[data-action="' + action + '"]');
    if (button) { button.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    if (!document.querySelector("[data-review-row]")) { return; }
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "a") { press("accept"); event.preventDefault(); }
    else if (event.key === "r") { press("reject"); event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("[data-review-row]");
    if (row) { select(row); }
  });

  /* A decision replaces its row (the old element, and its "selected" mark, are gone):
   * select the row after the decided one, so a/r/j/k go on down the queue. */
  var decidedIndex = -1;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.target.closest && event.target.closest("[data-review-row]");
    decidedIndex = row ? rows().indexOf(row) : -1;
  });
  document.addEventListener("htmx:load", function (event) {
    var row = event.target;
    if (!row.matches || !row.matches("[data-review-row]") || decidedIndex < 0) { return; }
    var all = rows();
    var failed = row.querySelector(".error");
    select(failed ? row : (all[decidedIndex + 1] || row));
    decidedIndex = -1;
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-review-row]")) { move(0); }
  });

  /* ------------------------------------------------------------ selection → new coding */
  /* UTF-16 offset of (node, offset) from the start of the container's text. */
  function utf16Offset(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length; /* JS string length counts UTF-16 code units */
  }

  document.addEventListener("mouseup", function () {
    var text = document.querySelector("[data-document-text]");
    var form = document.querySelector("[data-add-coding]");
    if (!text || !form) { return; }
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var range = sel.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) { return; }
    var start = utf16Offset(text, range.startContainer, range.startOffset);
    var end = utf16Offset(text, range.endContainer, range.endOffset);
    form.querySelector('[name="start_utf16"]').value = String(start);
    form.querySelector('[name="end_utf16"]').value = String(end);
    form.querySelector('[name="selected_text"]').value = sel.toString();
    var shown = form.querySelector("[data-selection-preview]");
    if (shown) { shown.textContent = sel.toString(); }
    form.hidden = false;
  });
}());
