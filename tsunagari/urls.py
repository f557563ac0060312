from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from base.views import favicon, healthz
from certificates.credential_views import did_json
from courses import views as course_views
from organizations import admin_scoping, password_reset, site_history
from reports import views as report_views
from reports.api import api as kpi_api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    # The issuer of credentials, as did:web:<host> (certificates/did.py).
    path(".well-known/did.json", did_json, name="did-document"),
    # Wagtail's site history, in front of Wagtail's own at the same URL: kept to the user's area.
    path("admin/reports/site-history/", site_history.site_history),
    path(
        "admin/reports/site-history/results/",
        site_history.site_history_results,
    ),
    # Wagtail's bulk actions, refused up front when the user may act on none of the rows.
    path(
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/",
        never_cache(require_admin_access(admin_scoping.bulk_action)),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("my/", include("courses.urls")),
    path("certificates/", include("certificates.urls")),
    path("scorm/", include("scorm.urls")),
    # 講座（対面・ライブ配信）: the course finder, course pages, sign-up, organiser registration.
    path("courses/", include("events.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(extra_context={"oidc_enabled": settings.OIDC_ENABLED}),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_reset/",
        password_reset.PasswordResetRequestView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        password_reset.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        password_reset.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/signup/", course_views.signup, name="signup"),
    path("accounts/welcome/", include("organizations.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", kpi_api.urls),
    path("opendata/", report_views.open_data_index, name="opendata"),
    path(
        "opendata/supporters-<int:fiscal_year>.csv",
        report_views.open_data_csv,
        name="opendata_supporters",
    ),
    path(
        "opendata/supporters-<int:fiscal_year>.datapackage.json",
        report_views.open_data_package,
        name="opendata_package",
    ),
]

if settings.OIDC_ENABLED:
    # Staff sign-in through the municipality's identity provider (organizations.oidc).
    urlpatterns += [path("oidc/", include("mozilla_django_oidc.urls"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "base.views.bad_request"
handler500 = "base.views.server_error"
