"""A task worker in its own process, for the interruption tests:

    python -m tests.reliability.worker [EXPORT_ID] [--slow SECONDS] [--burst]

queues the certificate export EXPORT_ID (as the admin's request does; without it, queues
nothing) and runs ``manage.py task_worker``, the worker of the queue the settings configure
(the database queue, or Redis with ``rq_worker_settings``); with ``--burst`` until the queue is
empty. ``--slow`` makes every certificate take that long to render, so that the test can kill
the worker half-way; the work horse RQ forks for a job inherits it.
"""

import argparse
import time

import django

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("export_id", type=int, nargs="?")
    parser.add_argument("--slow", type=float, default=0)
    parser.add_argument("--burst", action="store_true")
    args = parser.parse_args()
    django.setup()
    # After django.setup(): the apps' modules import models.
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
    call_command("task_worker", "--interval", "0.1", *(["--burst"] if args.burst else []))
