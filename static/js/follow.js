/* The session follow-up refreshes its table every 30 seconds (attempts started, handed in, incidents),
   without reloading the page: focus and scrolling stay where the reader left them. */
(function () {
  "use strict";
  var box = document.getElementById("roster");
  if (!box) { return; }
  function refresh() {
    fetch(box.dataset.refreshUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) { if (html !== null && !box.contains(document.activeElement)) { box.innerHTML = html; } })
      .catch(function () { /* offline: the next round tries again */ })
      .then(function () { setTimeout(refresh, 30000); });
  }
  setTimeout(refresh, 30000);
}());
