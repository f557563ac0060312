/* The SCORM 1.2 API for the package framed below (scorm-again's Scorm12API as window.API).
 * The learner's stored values are loaded first, so the package resumes where they left off;
 * every LMSCommit and LMSFinish posts the cmi data (JSON) to this site, with Django's CSRF
 * token. The frame is given its address only once window.API exists. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("scorm-launch-data").textContent);
  var Api = window.Scorm12API && window.Scorm12API.Scorm12API ? window.Scorm12API.Scorm12API : window.Scorm12API;
  var api = new Api({
    // An editor's preview has no commit URL: scorm-again then keeps the values in the page
    // and sends nothing, so a preview records nothing.
    lmsCommitUrl: data.preview ? false : data.commitUrl,
    autocommit: false,
    sendFullCommit: true,
    dataCommitFormat: "json",
    xhrHeaders: { "X-CSRFToken": data.csrfToken },
    // LMSFinish's commit goes by navigator.sendBeacon, which sends no headers: the token
    // travels in the body as well (scorm/views.py reads it from there).
    requestHandler: function (commit) {
      commit.csrf_token = data.csrfToken;
      return commit;
    },
    mastery_override: false,
    logLevel: 4
  });
  api.loadFromJSON(data.cmi, "cmi");
  if (data.masteryScore !== "") {
    api.cmi.student_data.mastery_score = data.masteryScore;
  }
  window.API = api;
  var status = document.getElementById("scorm-status");
  api.on("LMSCommit", function () {
    if (api.cmi.core.lesson_status === "passed" || api.cmi.core.lesson_status === "completed") {
      status.textContent = status.dataset.done;
    }
  });
  var frame = document.getElementById("scorm-frame");
  frame.src = frame.dataset.src;
})();
