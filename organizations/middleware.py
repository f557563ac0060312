"""Keeps an anonymous learner's cookie: set when created, renewed on return, dropped on login."""

from django.conf import settings

from . import learners


class LearnerMiddleware:
    """Set the cookie of a learner created by this request; renew or drop an existing one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "_new_learner_token", None)
        if getattr(request, "_drop_learner_cookie", False):
            # The anonymous learner was merged into an account at login.
            response.delete_cookie(settings.LEARNER_COOKIE_NAME, samesite="Lax")
        elif token:
            learners.set_learner_cookie(response, token)
        else:
            learners.touch(request, response)
        return response
