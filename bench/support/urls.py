"""The project's URLs plus ``/__bench__/baseline``: a bare view returning a fixed 10 KB page."""

from django.http import HttpResponse
from django.urls import path

from tsunagari.urls import urlpatterns as project_urlpatterns

_HEAD = "<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>baseline</title>"
_HEAD += "</head><body><main><p>つながりサポーター</p><p>"
_TAIL = "</p></main></body></html>"
BASELINE_SIZE = 10 * 1024
_FIXED = (_HEAD + _TAIL).encode()
BASELINE_HTML = _FIXED[: -len(_TAIL)] + b"x" * (BASELINE_SIZE - len(_FIXED)) + _TAIL.encode()


def baseline(request):
    return HttpResponse(BASELINE_HTML, content_type="text/html; charset=utf-8")


urlpatterns = [path("__bench__/baseline", baseline), *project_urlpatterns]
