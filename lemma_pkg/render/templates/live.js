// lemma preview --serve: reload this page when it changes, show build errors over it.
// The server sets window.LEMMA_PAGE = {name, etag} and sends the state of every build
// on /_lemma/events: {build, ok, summary, diagnostics: [...], pages: {name: etag}}.
(function () {
  "use strict";
  var page = window.LEMMA_PAGE || {name: "index.html", etag: null};
  var overlay = null;
  var badge = null;

  function el(tag, css, text) {
    var e = document.createElement(tag);
    if (css) e.style.cssText = css;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function list(diagnostics) {
    var ul = el("ul", "list-style:none;margin:0;padding:0");
    diagnostics.forEach(function (d) {
      var li = el("li", "margin:0 0 0.9em 0");
      li.className = "lemma-diagnostic lemma-" + d.severity;
      var head = el("div", "font-weight:bold");
      head.appendChild(el("code", "", d.location));
      head.appendChild(el("span", d.severity === "error" ? "color:#b00020" : "color:#8a5a00",
        " " + d.severity + "[" + d.code + "]"));
      li.appendChild(head);
      li.appendChild(el("div", "", d.message));
      if (d.hint) li.appendChild(el("div", "color:#555", "hint: " + d.hint));
      ul.appendChild(li);
    });
    return ul;
  }

  function hideOverlay() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

  function showOverlay(state) {
    hideOverlay();
    overlay = el("div", "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:#fff;color:#111;font:15px/1.45 system-ui,sans-serif;padding:2em 3em");
    overlay.id = "lemma-errors";
    overlay.setAttribute("role", "alert");
    overlay.appendChild(el("h1", "font-size:1.4em;margin-top:0;color:#b00020",
      "The course has errors (" + state.summary + ")"));
    overlay.appendChild(el("p", "color:#555",
      "lemma preview shows the page again after the next save without errors."));
    overlay.appendChild(list(state.diagnostics));
    document.body.appendChild(overlay);
  }

  function showWarnings(state) {
    if (badge) { badge.remove(); badge = null; }
    if (!state.diagnostics.length) return;
    badge = el("details", "position:fixed;right:1em;bottom:1em;z-index:2147483646;" +
      "max-width:40em;max-height:50vh;overflow:auto;background:#fff8e1;color:#111;" +
      "border:1px solid #e0b000;padding:0.5em 1em;font:14px/1.4 system-ui,sans-serif");
    badge.id = "lemma-warnings";
    badge.appendChild(el("summary", "cursor:pointer", state.summary));
    badge.appendChild(list(state.diagnostics));
    document.body.appendChild(badge);
  }

  function onState(state) {
    if (!state.ok) { showOverlay(state); return; }
    var etag = state.pages[page.name] || null;
    if (etag !== (page.etag || null)) { window.location.reload(); return; }
    hideOverlay();
    showWarnings(state);
  }

  var events = new EventSource("/_lemma/events");
  events.addEventListener("state", function (ev) { onState(JSON.parse(ev.data)); });
})();
