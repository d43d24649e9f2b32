/*
 * The attempt page: autosave every answer, keep answers in the browser while the network is
 * down, and a countdown computed from the server's remaining seconds (never the device clock).
 * Every question is on the page: moving between them is done here, so it works offline; links
 * that would leave the page are held back while offline. Answers still on the device when the
 * time is over are sent when the network returns (the server keeps them apart, as late answers).
 * Without JavaScript the page is a plain form that saves on each button. The same page script
 * serves an E3 case study written online: one fieldset of type « essay », a textarea saved whole.
 */
function formatDuration(seconds) {
  "use strict";
  var h = Math.floor(seconds / 3600);
  var m = Math.floor((seconds % 3600) / 60);
  var s = seconds % 60;
  var mm = (h ? String(m).padStart(2, "0") : String(m));
  return (h ? h + "\u00a0h " : "") + mm + "\u00a0min " + String(s).padStart(2, "0") + "\u00a0s";
}

/* The hand-in page keeps the countdown; at 0:00 it hands in as the deadline's. */
(function () {
  "use strict";
  var box = document.getElementById("handin");
  if (!box) { return; }
  var value = document.getElementById("timer-value");
  var endAt = performance.now() + Number(box.dataset.remaining) * 1000;
  (function tick() {
    var left = Math.max(0, Math.round((endAt - performance.now()) / 1000));
    value.textContent = formatDuration(left);
    if (left === 0) {
      if (navigator.onLine) { document.getElementById("auto-submit").submit(); return; }
      window.addEventListener("online", function () { document.getElementById("auto-submit").submit(); });
      return;
    }
    setTimeout(tick, 1000);
  }());
}());

(function () {
  "use strict";

  var root = document.getElementById("attempt");
  if (!root) { return; }
  var form = document.getElementById("attempt-form");
  var attemptId = root.dataset.attempt;
  var saveBase = root.dataset.saveUrl;
  var statusUrl = root.dataset.statusUrl;
  var resultUrl = root.dataset.resultUrl;
  var csrf = root.dataset.csrf;
  var storeKey = "quiz-attempt-" + attemptId + "-pending";
  var statusBox = document.getElementById("save-status");
  var timerValue = document.getElementById("timer-value");
  var announcer = document.getElementById("timer-announce");
  var pending = loadPending();
  var inFlight = false;
  var offline = false;
  var finished = false;
  var handingIn = false;
  var lateStored = false;
  var oneByOne = root.dataset.oneByOne === "true";
  var total = Number(root.dataset.total);
  var firstShown = form.querySelector("fieldset.question:not([hidden])");
  var current = firstShown ? Number(firstShown.dataset.position) : 1;
  var retryDelay = 1000;
  var endAt = performance.now() + Number(root.dataset.remaining) * 1000;
  var announced = {};
  var lastSync = performance.now();
  var M = JSON.parse(root.dataset.messages);

  document.documentElement.classList.add("js");

  function loadPending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* storage full: memory only */ }
  }
  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "save-status alert py-2 alert-" + (kind || "light");
  }
  function pendingCount() { return Object.keys(pending).length; }

  /* Reading a question's answer from its controls (same shapes as the server expects). */
  function readAnswer(fieldset) {
    var pos = fieldset.dataset.position;
    var type = fieldset.dataset.type;
    var name = "q" + pos;
    var response = null;
    if (type === "single" || type === "truefalse") {
      var checked = fieldset.querySelector("input[name='" + name + "']:checked");
      if (checked) { response = type === "truefalse" ? checked.value === "true" : checked.value; }
    } else if (type === "multiple") {
      response = Array.prototype.map.call(fieldset.querySelectorAll("input[name='" + name + "']:checked"),
        function (el) { return el.value; });
    } else if (type === "numeric" || type === "short") {
      response = fieldset.querySelector("input[name='" + name + "']").value;
    } else if (type === "essay") {
      response = fieldset.querySelector("textarea[name='" + name + "']").value;
    } else if (type === "ordering") {
      /* Sent as a rank per element: the server refuses a rank given twice, and so does the page. */
      var ranks = {};
      var complete = true;
      fieldset.querySelectorAll("select[name^='" + name + "-rank-']").forEach(function (sel) {
        if (!sel.value) { complete = false; }
        ranks[sel.name.slice((name + "-rank-").length)] = sel.value;
      });
      response = complete ? ranks : null;
    } else if (type === "matching") {
      response = {};
      fieldset.querySelectorAll("select[name^='" + name + "-match-']").forEach(function (sel) {
        if (sel.value) { response[sel.name.slice((name + "-match-").length)] = sel.value; }
      });
    }
    var flag = fieldset.querySelector("input[name='flag" + pos + "']");
    return { response: response, flagged: !!(flag && flag.checked) };
  }

  /* Putting back answers that were waiting in the browser (after a reload while offline). */
  function restore(fieldset, answer) {
    var pos = fieldset.dataset.position;
    var name = "q" + pos;
    var type = fieldset.dataset.type;
    var r = answer.response;
    if (type === "single" || type === "truefalse" || type === "multiple") {
      var values = Array.isArray(r) ? r : (r === null ? [] : [String(r)]);
      fieldset.querySelectorAll("input[name='" + name + "']").forEach(function (el) {
        el.checked = values.indexOf(el.value) !== -1;
      });
    } else if (type === "numeric" || type === "short") {
      fieldset.querySelector("input[name='" + name + "']").value = r || "";
    } else if (type === "essay") {
      fieldset.querySelector("textarea[name='" + name + "']").value = r || "";
    } else if (type === "ordering" && r) {
      Object.keys(r).forEach(function (id) {
        var sel = fieldset.querySelector("select[name='" + name + "-rank-" + id + "']");
        if (sel) { sel.value = String(r[id]); }
      });
    } else if (type === "matching" && r) {
      Object.keys(r).forEach(function (left) {
        var sel = fieldset.querySelector("select[name='" + name + "-match-" + left + "']");
        if (sel) { sel.value = r[left]; }
      });
    }
    var flag = fieldset.querySelector("input[name='flag" + pos + "']");
    if (flag) { flag.checked = !!answer.flagged; }
  }

  function updateNav(pos, answer) {
    var link = document.getElementById("nav-" + pos);
    if (!link) { return; }
    var r = answer.response;
    var answered = r !== null && r !== "" && !(Array.isArray(r) && !r.length) &&
      !(typeof r === "object" && !Array.isArray(r) && !Object.keys(r).length);
    link.classList.toggle("btn-secondary", answered);
    link.classList.toggle("btn-outline-secondary", !answered);
    link.querySelector(".nav-state").textContent = answer.flagged ? " ⚑" : "";
    link.querySelector(".nav-state-text").textContent =
      (answered ? M.answered : M.unanswered) + (answer.flagged ? ", " + M.flagged : "");
    var left = document.querySelectorAll(".question-nav .btn-outline-secondary").length;
    document.getElementById("unanswered-count").textContent =
      (left === 1 ? M.oneUnanswered : M.manyUnanswered).replace("{n}", left);
  }

  /* A refused answer is explained next to its question, tied to its controls (aria-describedby). */
  function setError(pos, message) {
    var fieldset = document.getElementById("question-" + pos);
    var box = document.getElementById("q" + pos + "-error");
    if (!fieldset || !box) { return; }
    box.textContent = message || "";
    fieldset.querySelectorAll("input[type=text], select, textarea").forEach(function (el) {
      if (message) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
    });
  }

  function duplicateRank(answer) {
    if (!answer.response || Array.isArray(answer.response) || typeof answer.response !== "object") { return null; }
    var seen = {};
    var keys = Object.keys(answer.response);
    for (var i = 0; i < keys.length; i++) {
      var rank = answer.response[keys[i]];
      if (seen[rank]) { return rank; }
      seen[rank] = true;
    }
    return null;
  }

  function queue(fieldset) {
    var pos = fieldset.dataset.position;
    var answer = readAnswer(fieldset);
    if (fieldset.dataset.type === "ordering") {
      var twice = duplicateRank(answer);
      if (twice) {
        setError(pos, M.duplicateRank.replace("{rank}", twice));
        updateNav(pos, { response: null, flagged: answer.flagged });
        return;
      }
    }
    setError(pos, "");
    answer.answered_at = new Date().toISOString();
    pending[pos] = answer;
    persist();
    updateNav(pos, answer);
    flush();
  }

  function flush() {
    if (inFlight || finished) { return; }
    var positions = Object.keys(pending);
    if (!positions.length) { return; }
    var pos = positions[0];
    var sent = JSON.stringify(pending[pos]);
    inFlight = true;
    if (!offline) { say(M.saving, "light"); }
    fetch(saveBase + pos, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: sent
    }).then(readReply).then(function (reply) {
      inFlight = false;
      if (reply.status === 200 && reply.body.saved) {
        if (JSON.stringify(pending[pos]) === sent) { delete pending[pos]; persist(); }
        offline = false;
        retryDelay = 1000;
        if (typeof reply.body.remaining_seconds === "number") { resync(reply.body.remaining_seconds); }
        if (!pendingCount()) {
          var at = reply.body.saved_at ? new Date(reply.body.saved_at).toLocaleTimeString("fr-FR",
            { timeZone: root.dataset.timezone }) : "";
          say(M.allSaved + (at ? " (" + at + ")" : ""), "success");
        }
        flush();
      } else if (reply.status === 409) {
        /* Over: what is left on the device still goes out, one by one; the server keeps it apart. */
        delete pending[pos];
        persist();
        lateStored = lateStored || !!reply.body.stored_late;
        if (pendingCount()) { handingIn = true; flush(); return; }
        finish(lateStored ? M.lateStored : (reply.body.message || M.handedIn));
      } else if (mustRenew(reply)) {
        /* The session ended or the page's token is refused: the answer stays in this browser and
           goes out from the page reloaded after logging in again. */
        say(reply.body.message || M.notSaved, "danger");
      } else if (reply.status === 400 || reply.status === 403 || reply.status === 404) {
        delete pending[pos];
        persist();
        say(reply.body.message || M.notSaved, "danger");
        setError(pos, reply.body.message || M.notSaved);
        updateNav(pos, { response: null, flagged: false });
        flush();
      } else {
        goOffline();
      }
    }).catch(function () {
      inFlight = false;
      goOffline();
    });
  }

  /* Every answer of the API is JSON; anything else (a proxy's error page) reads as an empty body. */
  function readReply(res) {
    return res.json().then(function (body) { return { status: res.status, body: body || {} }; },
      function () { return { status: res.status, body: {} }; });
  }
  function mustRenew(reply) {
    return reply.status === 401 || reply.body.error === "csrf" || reply.body.error === "password_change_required";
  }

  function goOffline() {
    offline = true;
    say(handingIn ? M.timeUpOffline : M.offline, "warning");
    setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }
  function isOffline() { return offline || !navigator.onLine; }

  function finish(message) {
    finished = true;
    pending = {};
    persist();
    say(message + " " + M.redirecting, "info");
    setTimeout(function () { window.location.assign(resultUrl); }, 2500);
  }

  /* Countdown: a monotonic clock (performance.now) anchored on the server's remaining seconds. */
  function resync(remaining) {
    var shownLeft = (endAt - performance.now()) / 1000;
    lastSync = performance.now();
    endAt = lastSync + remaining * 1000;
    if (remaining < shownLeft - 5) {
      /* The server shortened the attempt (the session closes earlier): say why the clock jumped,
         instead of the « 10 minutes left » steps it jumped over. */
      [600, 300, 60].forEach(function (step) { if (remaining <= step) { announced[step] = true; } });
      tick();
      announcer.textContent = M.deadlineCut.replace("{time}", format(remaining));
      say(announcer.textContent, "warning");
    }
  }
  var format = formatDuration;
  function tick() {
    var left = Math.max(0, Math.round((endAt - performance.now()) / 1000));
    timerValue.textContent = format(left);
    [[600, M.left10], [300, M.left5], [60, M.left1]].forEach(function (step) {
      if (left <= step[0] && left > step[0] - 30 && !announced[step[0]]) {
        announced[step[0]] = true;
        announcer.textContent = step[1];
      }
    });
    if (left <= 60) { document.getElementById("timer").classList.add("timer-urgent"); }
    if (left === 0 && !finished && !handingIn) { autoSubmit(); return; }
    clearTimeout(tickTimer);
    tickTimer = setTimeout(tick, 1000 - ((endAt - performance.now()) % 1000 + 1000) % 1000 || 1000);
  }
  var tickTimer = null;
  /* At 0:00 the page hands in as the deadline's, once what it holds is sent. Offline, it never
     leaves: it waits for the network, then sends (the server keeps late answers apart). */
  function autoSubmit() {
    handingIn = true;
    announcer.textContent = M.timeUp;
    var deadline = performance.now() + 8000;
    (function waitForSaves() {
      if (finished) { return; }
      if (isOffline()) {
        say(M.timeUpOffline, "warning");
        setTimeout(waitForSaves, 1000);
      } else if ((pendingCount() === 0 && !inFlight) || performance.now() > deadline) {
        document.getElementById("auto-submit").submit();
      } else {
        flush();
        setTimeout(waitForSaves, 250);
      }
    }());
  }

  /* Moving between questions on the page itself: no request, so it works offline too. */
  function show(pos, focus) {
    pos = Math.min(Math.max(Number(pos) || 1, 1), total);
    current = pos;
    /* A case's questions are shown together, under the case's text. */
    var here = form.querySelector("fieldset.question[data-position='" + pos + "']");
    var group = here && here.dataset.case;
    var first = pos, last = pos;
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      var p = Number(fs.dataset.position);
      var visible = !oneByOne || p === pos || (group && fs.dataset.case === group);
      fs.hidden = !visible;
      if (visible && oneByOne) { first = Math.min(first, p); last = Math.max(last, p); }
    });
    form.querySelectorAll("[data-case-text]").forEach(function (text) {
      text.hidden = oneByOne && text.dataset.caseText !== group;
    });
    var previous = document.getElementById("go-previous");
    var next = document.getElementById("go-next");
    if (previous) { previous.value = first - 1; previous.hidden = !oneByOne || first <= 1; }
    if (next) { next.value = last + 1; next.hidden = !oneByOne || last >= total; }
    var saveButton = document.getElementById("go-save");
    if (saveButton) { saveButton.value = oneByOne ? pos : ""; }
    document.querySelectorAll(".question-nav a").forEach(function (link) {
      var here = oneByOne && Number(link.dataset.position) === pos;
      link.classList.toggle("current", here);
      if (here) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
    var modeForm = document.getElementById("mode-form");
    if (modeForm) { modeForm.querySelector("input[name=q]").value = pos; }
    try { history.replaceState(null, "", "?q=" + pos); } catch (e) { /* file: or sandboxed */ }
    if (focus) {
      var heading = document.getElementById("question-" + pos + "-title");
      if (!oneByOne) { heading.scrollIntoView({ block: "start" }); }
      heading.focus({ preventScroll: oneByOne });
    }
  }
  function setMode(all) {
    oneByOne = !all;
    var modeForm = document.getElementById("mode-form");
    var button = document.getElementById("mode-button");
    modeForm.querySelector("input[name=mode]").value = all ? "one" : "all";
    button.textContent = all ? button.dataset.labelOne : button.dataset.labelAll;
    show(current, true);
  }
  /* The status poll notices an attempt handed in elsewhere and corrects the countdown's drift.
     Every save already brings the server's remaining time, so the poll is skipped while saves do:
     at exam scale polls would otherwise weigh as much as the saves themselves (bench/README.md). */
  var POLL_MS = 120000, QUIET_MS = 90000;
  function poll() {
    if (finished) { return; }
    if (!offline && performance.now() - lastSync < QUIET_MS) { setTimeout(poll, POLL_MS); return; }
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(readReply)
      .then(function (reply) {
        if (reply.status !== 200) {
          if (mustRenew(reply)) { say(reply.body.message || M.notSaved, "danger"); }
          return;
        }
        if (reply.body.status !== "in_progress") {
          /* Handed in meanwhile: what this device still holds goes out first, kept as late answers. */
          if (pendingCount()) { handingIn = true; offline = false; flush(); } else { finish(M.handedIn); }
          return;
        }
        resync(reply.body.remaining_seconds);
        if (offline) { flush(); }
      })
      .catch(function () { /* offline: the countdown keeps going on the monotonic clock */ })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  /* A long text (an E3 case study written online) is saved whole, less often, with its length shown. */
  function countCharacters(fieldset) {
    var area = fieldset.querySelector("textarea");
    var counter = document.getElementById("q" + fieldset.dataset.position + "-count");
    if (!area || !counter || !M.characters) { return; }
    counter.textContent = M.characters.replace("{n}", area.value.length.toLocaleString("fr-FR"))
      .replace("{max}", Number(area.getAttribute("maxlength")).toLocaleString("fr-FR"));
  }
  form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    var pos = fieldset.dataset.position;
    var essay = fieldset.dataset.type === "essay";
    if (pending[pos]) { restore(fieldset, pending[pos]); updateNav(pos, pending[pos]); }
    if (essay) { countCharacters(fieldset); }
    fieldset.addEventListener("change", function () { queue(fieldset); });
    var timer = null;
    fieldset.addEventListener("input", function (event) {
      if (event.target.type !== "text" && event.target.type !== "textarea") { return; }
      if (essay) {
        /* Kept on the device at once (a reload or a crash loses nothing), sent once typing pauses. */
        countCharacters(fieldset);
        pending[pos] = readAnswer(fieldset);
        pending[pos].answered_at = new Date().toISOString();
        persist();
      }
      clearTimeout(timer);
      timer = setTimeout(function () { queue(fieldset); }, essay ? 1500 : 600);
    });
  });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    var go = button && button.name === "go" ? button.value : null;
    if (go && /^\d+$/.test(go) && button.id !== "go-save") {
      event.preventDefault();
      show(go, true);
    } else if (button && button.id === "go-save") {
      event.preventDefault();
      if (pendingCount()) { flush(); } else if (!isOffline()) { say(M.allSaved, "success"); }
    } else if (isOffline()) {
      event.preventDefault();
      say(M.offlineNavigation, "warning");
    }
  });
  document.querySelectorAll(".question-nav a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      show(link.dataset.position, true);
    });
  });
  var modeSwitch = document.getElementById("mode-form");
  if (modeSwitch) {
    modeSwitch.addEventListener("submit", function (event) {
      if (isOffline()) {
        event.preventDefault();
        setMode(oneByOne);
      }
    });
  }
  /* Anything else that would leave the page (menu, language, logout) waits for the network. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || !isOffline() || link.getAttribute("href").charAt(0) === "#" || link.closest(".question-nav")) {
      return;
    }
    event.preventDefault();
    say(M.offlineNavigation, "warning");
  }, true);
  document.addEventListener("submit", function (event) {
    if (event.target === form || event.target.id === "mode-form" || event.target.id === "auto-submit") { return; }
    if (isOffline()) { event.preventDefault(); say(M.offlineNavigation, "warning"); }
  }, true);
  window.addEventListener("online", function () { offline = false; retryDelay = 1000; flush(); });
  window.addEventListener("offline", goOffline);
  if (pendingCount()) { flush(); }
  tick();
  setTimeout(poll, POLL_MS);
}());
