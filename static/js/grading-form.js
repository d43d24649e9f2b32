// The grading form: a competence's criteria, outcome and score are active only while its
// "Évaluer" box is ticked (the server ignores unticked competences in any case).
(function () {
  "use strict";
  document.querySelectorAll(".grading-group[data-toggle]").forEach(function (group) {
    var box = document.getElementById(group.dataset.toggle);
    var fields = group.querySelector(".grading-group__fields");
    if (!box || !fields) { return; }
    function sync() {
      fields.hidden = !box.checked;
      fields.querySelectorAll("input, textarea, select").forEach(function (input) { input.disabled = !box.checked; });
    }
    box.addEventListener("change", sync);
    sync();
  });
})();
