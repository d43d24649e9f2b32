/* Bank editor: CodeMirror over the textarea (the page works without it), live validation
   through the JSON endpoint, and problems that jump to their line. No inline script (CSP). */
(function () {
  "use strict";

  var form = document.getElementById("bank-editor-form");
  var textarea = document.getElementById("text");
  var list = document.getElementById("problem-list");
  var status = document.getElementById("problem-status");
  if (!form || !textarea || !list || !status) { return; }

  var csrf = form.querySelector("input[name='csrf_token']");
  var url = form.getAttribute("data-validate-url");
  var M = JSON.parse(form.getAttribute("data-messages"));
  var label = document.getElementById("text-label");
  var editor = null;
  var marked = [];

  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "yaml-frontmatter",
      lineNumbers: true,
      lineWrapping: true,
      indentUnit: 2,
      tabSize: 2,
      extraKeys: { Tab: false, "Shift-Tab": false },
      screenReaderLabel: label ? label.textContent : M.bankText
    });
    editor.getWrapperElement().classList.add("bank-editor");
  }

  function text() { return editor ? editor.getValue() : textarea.value; }

  function jump(line) {
    if (editor) {
      editor.focus();
      editor.setCursor({ line: line - 1, ch: 0 });
      editor.scrollIntoView({ line: line - 1, ch: 0 }, 120);
      return;
    }
    var lines = textarea.value.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { offset += lines[i].length + 1; }
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }

  list.addEventListener("click", function (event) {
    var link = event.target.closest("[data-line]");
    if (!link) { return; }
    event.preventDefault();
    jump(parseInt(link.getAttribute("data-line"), 10));
  });

  function mark(problems) {
    if (!editor) { return; }
    marked.forEach(function (handle) { editor.removeLineClass(handle, "background", "problem-line"); });
    marked = [];
    problems.forEach(function (p) {
      if (!p.here) { return; }
      var handle = editor.getLineHandle(Math.max(0, p.line - 1));
      if (handle) { marked.push(editor.addLineClass(handle, "background", "problem-line")); }
    });
  }

  function item(p, warning) {
    var li = document.createElement("li");
    li.className = warning ? "problem problem-warning" : "problem";
    var where;
    if (p.here) {
      where = document.createElement("a");
      where.href = "#text";
      where.setAttribute("data-line", String(p.line));
      where.textContent = M.line.replace("{n}", p.line);
    } else {
      where = document.createElement("span");
      where.textContent = p.file + ":" + p.line;
    }
    where.classList.add("problem-line");
    li.appendChild(where);
    if (warning) {
      var tag = document.createElement("span");
      tag.className = "badge text-bg-warning ms-1";
      tag.textContent = M.warning;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(tag);
    }
    if (p.qid) {
      var qid = document.createElement("span");
      qid.className = "problem-qid";
      qid.textContent = p.qid;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(qid);
    }
    var message = document.createElement("span");
    message.className = "problem-message";
    message.textContent = p.message;
    li.appendChild(document.createTextNode(" "));
    li.appendChild(message);
    if (p.hint) {
      var hint = document.createElement("span");
      hint.className = "problem-hint";
      hint.textContent = "— " + p.hint;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(hint);
    }
    return li;
  }

  function show(result) {
    list.textContent = "";
    result.problems.forEach(function (p) { list.appendChild(item(p)); });
    (result.warnings || []).forEach(function (p) { list.appendChild(item(p, true)); });
    mark(result.problems);
    var n = result.problems.length;
    status.setAttribute("data-state", result.ok ? "ok" : "bad");
    status.textContent = result.ok
      ? "✔ " + (result.questions === 1 ? M.oneReady : M.manyReady).replace("{n}", result.questions)
      : "✘ " + (n === 1 ? M.oneError : M.manyErrors).replace("{n}", n);
  }

  var timer = null;
  var sequence = 0;

  function check() {
    var mine = ++sequence;
    status.setAttribute("data-state", "checking");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify({ text: text() })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (result) {
      if (mine === sequence) { show(result); }
    }).catch(function () {
      if (mine === sequence) {
        status.setAttribute("data-state", "unknown");
        status.textContent = M.unreachable;
      }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 700);
  }

  /* Nothing typed is lost: the text is kept in this browser as it is typed, offered back on
     return, and leaving with unsaved changes asks first. The copy goes once the server has it. */
  var draftKey = form.getAttribute("data-draft-key");
  var saved = text();
  var submitting = false;
  /* The server keeps the text as the form posts it (CRLF, trailing space trimmed): compare loosely. */
  function same(a, b) {
    function norm(t) { return t.replace(/\r\n?/g, "\n").replace(/\s+$/, ""); }
    return norm(a) === norm(b);
  }
  function setText(value) { if (editor) { editor.setValue(value); } else { textarea.value = value; } }
  function keep() {
    try {
      if (same(text(), saved)) { localStorage.removeItem(draftKey); return; }
      localStorage.setItem(draftKey, JSON.stringify({ text: text(), at: new Date().toISOString() }));
    } catch (e) { /* storage full or refused: the leaving guard still asks */ }
  }
  function offerDraft() {
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { stored = null; }
    if (!stored || typeof stored.text !== "string") { return; }
    if (same(stored.text, saved)) { localStorage.removeItem(draftKey); return; }
    var box = document.getElementById("local-draft");
    var when = new Date(stored.at).toLocaleString("fr-FR");
    document.getElementById("local-draft-text").textContent = M.draftFound.replace("{when}", when);
    var restore = document.getElementById("local-draft-restore");
    var dismiss = document.getElementById("local-draft-dismiss");
    restore.textContent = M.restore;
    dismiss.textContent = M.dismiss;
    box.hidden = false;
    restore.addEventListener("click", function () {
      setText(stored.text);
      box.hidden = true;
      status.textContent = M.restored;
      if (editor) { editor.focus(); } else { textarea.focus(); }
      schedule();
    });
    dismiss.addEventListener("click", function () {
      localStorage.removeItem(draftKey);
      box.hidden = true;
      textarea.focus();
    });
  }
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || same(text(), saved)) { return; }
    event.preventDefault();
    event.returnValue = "";
  });

  function changed() { keep(); schedule(); }
  if (editor) { editor.on("change", changed); } else { textarea.addEventListener("input", changed); }
  offerDraft();
  check();
})();
