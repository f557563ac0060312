"""SCORM 1.2 packages built by the tests: a manifest and a small HTML SCO that calls the API."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from scorm import services
from scorm.models import ScormPage
from scorm.packages import inspect_package

SCHEMA = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"


def manifest(*, version="1.2", href="index.html", mastery="", title="情報セキュリティ研修"):
    metadata = (
        f"<metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>"
        if version is not None
        else ""
    )
    mastery_xml = f"<adlcp:masteryscore>{mastery}</adlcp:masteryscore>" if mastery else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.security" version="1.0" xmlns="{SCHEMA}" xmlns:adlcp="{ADLCP}">
  {metadata}
  <organizations default="org1">
    <organization identifier="org1">
      <title>{title}</title>
      <item identifier="item1" identifierref="res1">
        <title>{title}</title>
        {mastery_xml}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="{href}"/>
    </resource>
  </resources>
</manifest>""".encode()


# The SCO: shows where it resumes from, "次へ" stores a place and suspend data, "修了する"
# reports a score and passed, then finishes. Its script is a file of the package.
SCO_HTML = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>SCO</title>
<link rel="stylesheet" href="css/sco.css"></head>
<body><h1>情報セキュリティ研修</h1>
<p id="entry"></p><p id="resume"></p>
<button type="button" id="next">次へ</button>
<button type="button" id="finish">修了する</button>
<p id="done"></p>
<script src="js/sco.js"></script></body></html>
"""

SCO_JS = """(function () {
  var api = window.parent.API;
  api.LMSInitialize("");
  document.getElementById("entry").textContent = "entry:" + api.LMSGetValue("cmi.core.entry");
  document.getElementById("resume").textContent =
    "resume:" + api.LMSGetValue("cmi.suspend_data") + "|" + api.LMSGetValue("cmi.core.lesson_location");
  if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
  document.getElementById("next").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.lesson_location", "page-2");
    api.LMSSetValue("cmi.suspend_data", "step=2;答え=はい");
    api.LMSSetValue("cmi.core.session_time", "00:01:30");
    document.getElementById("done").textContent = "commit:" + api.LMSCommit("");
  });
  document.getElementById("finish").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.score.min", "0");
    api.LMSSetValue("cmi.core.score.max", "100");
    api.LMSSetValue("cmi.core.score.raw", "90");
    api.LMSSetValue("cmi.core.lesson_status", "passed");
    api.LMSSetValue("cmi.core.session_time", "00:02:00");
    var committed = api.LMSCommit("");
    var finished = api.LMSFinish("");
    document.getElementById("done").textContent = "finish:" + committed + finished;
  });
})();
"""


def package_bytes(files=None, *, manifest_xml=None, extra=None, compression=zipfile.ZIP_DEFLATED):
    """A ZIP with ``imsmanifest.xml`` (unless ``files`` says otherwise) and the SCO."""
    if files is None:
        files = {
            "imsmanifest.xml": manifest_xml if manifest_xml is not None else manifest(),
            "index.html": SCO_HTML.encode(),
            "js/sco.js": SCO_JS.encode(),
            "css/sco.css": b"body { font-family: sans-serif; }",
        }
    files = {**files, **(extra or {})}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            if isinstance(name, zipfile.ZipInfo):
                archive.writestr(name, data)
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


def upload(data: bytes, name="security.zip"):
    return SimpleUploadedFile(name, data, content_type="application/zip")


def package(data: bytes | None = None, **kwargs):
    """A stored package, through the real inspection and service."""
    file = upload(data if data is not None else package_bytes(**kwargs))
    info = inspect_package(file)
    return services.package_create(upload=file, info=info)


def scorm_page(course, pkg, *, title="情報セキュリティ研修（SCORM）", slug="scorm"):
    page = ScormPage(title=title, slug=slug, package=pkg)
    course.add_child(instance=page)
    return page
