"""Run inside a worker's environment (its settings and database) by the worker outage test:

python -m tests.reliability.queue_probe enqueue   # queues a task, prints its id
python -m tests.reliability.queue_probe status ID # prints the task's status
"""

import sys

import django

if __name__ == "__main__":
    django.setup()
    from django_tasks_db.models import DBTaskResult

    from courses.tasks import send_training_reminders

    if sys.argv[1] == "enqueue":
        # A real task of the product that finds nothing to send on an empty database.
        print(send_training_reminders.enqueue(today="2026-05-11").id)
    else:
        print(DBTaskResult.objects.get(pk=sys.argv[2]).status)
