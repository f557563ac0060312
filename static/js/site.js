// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // 個人ワーク: keep what the learner types in this browser (localStorage), never on the server
  // unless they press the save button themselves.
  function setUpReflections() {
    var forms = document.querySelectorAll("form[data-reflection-key]");
    forms.forEach(function (form) {
      var key = "tsunagari:" + form.getAttribute("data-reflection-key");
      var textarea = form.querySelector("textarea");
      if (!textarea) return;
      var status = document.createElement("p");
      status.className = "form-note reflection__status";
      status.setAttribute("aria-live", "polite");
      textarea.insertAdjacentElement("afterend", status);
      try {
        var kept = window.localStorage.getItem(key);
        if (kept && !textarea.value) {
          textarea.value = kept;
          status.textContent = "このブラウザに残っていた回答を表示しています。";
        }
      } catch (e) { return; }
      var timer = null;
      textarea.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          try {
            if (textarea.value) {
              window.localStorage.setItem(key, textarea.value);
              status.textContent = "このブラウザに一時保存しました（サーバーには送っていません）。";
            } else {
              window.localStorage.removeItem(key);
              status.textContent = "";
            }
          } catch (e) { /* storage full or disabled: nothing is lost but the draft */ }
        }, 600);
      });
    });
  }

  // Profile form: narrow the municipality list to the chosen prefecture.
  function setUpMunicipalityFilter() {
    var prefecture = document.getElementById("id_prefecture");
    var municipality = document.getElementById("id_municipality");
    if (!prefecture || !municipality) return;
    var groups = Array.prototype.slice.call(municipality.querySelectorAll("optgroup"));
    var prefectureNames = {};
    Array.prototype.forEach.call(prefecture.options, function (option) {
      prefectureNames[option.value] = option.textContent.trim();
    });
    function apply() {
      var name = prefectureNames[prefecture.value];
      groups.forEach(function (group) {
        var show = !prefecture.value || group.label === name;
        group.hidden = !show;
        group.disabled = !show;
      });
      var selected = municipality.selectedOptions[0];
      if (selected && selected.parentElement && selected.parentElement.disabled) {
        municipality.value = "";
      }
    }
    prefecture.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpReflections();
    setUpMunicipalityFilter();
  });
})();
