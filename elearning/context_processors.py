from courses.windows import windows_for_request


def site_help(request):
    """The learner's local consultation windows for the footer, looked up only when shown."""

    def local_windows():
        _national, local, _municipality = windows_for_request(request)
        return local

    return {"footer_local_windows": local_windows}
