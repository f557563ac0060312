"""A task worker in its own process, for the interruption tests:

    python -m tests.reliability.worker [EXPORT_ID] [--slow SECONDS]

queues the certificate export EXPORT_ID (as the admin's request does; without it, queues
nothing) and runs Django's task worker (``db_worker --batch``) until the queue is empty. ``--slow`` makes every certificate take
that long to render, so that the test can kill the worker half-way.
"""

import argparse
import time

import django

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("export_id", type=int, nargs="?")
    parser.add_argument("--slow", type=float, default=0)
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command

    from certificates import exports

    if args.slow:
        render = exports.certificate_pdf

        def slow_render(certificate):
            time.sleep(args.slow)
            return render(certificate)

        exports.certificate_pdf = slow_render
    if args.export_id is not None:
        exports.build_certificate_export.enqueue(args.export_id)
    call_command("db_worker", "--batch", "--interval", "0.1", "--no-startup-delay", "--no-reload")
