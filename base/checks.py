from django.conf import settings
from django.core import checks

CSRF_MIDDLEWARE = "base.csrf.OriginCheckedCsrfViewMiddleware"


@checks.register(checks.Tags.security, deploy=True)
def csrf_middleware_installed(app_configs, **kwargs):
    """Django's own check (security.W003) looks for its CSRF middleware by name and is
    silenced in settings because ours subclasses it; this check stands in for it."""
    if CSRF_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [
        checks.Error(
            f"{CSRF_MIDDLEWARE} is not in MIDDLEWARE: forms are not protected against CSRF.",
            hint="Put it where django.middleware.csrf.CsrfViewMiddleware would go.",
            id="elearning.E001",
        )
    ]


@checks.register()
def task_lease_longer_than_heartbeat(app_configs, **kwargs):
    """A lease shorter than two heartbeats would let the sweep re-queue tasks whose worker is
    alive, running them twice at once (base/task_lease.py)."""
    if float(settings.TASK_LEASE_SECONDS) >= 2 * float(settings.TASK_HEARTBEAT_SECONDS):
        return []
    return [
        checks.Error(
            "TASK_LEASE_SECONDS must be at least twice TASK_HEARTBEAT_SECONDS: live workers' "
            "tasks would be re-queued and run twice.",
            hint="Keep the lease several heartbeats long (defaults 300 and 30 seconds).",
            id="elearning.E002",
        )
    ]
