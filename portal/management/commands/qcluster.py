"""django-q2's ``qcluster``, told to workers when a stop begins.

On SIGTERM django-q2 stops its pusher and lets every worker finish what it holds, including
tasks already pulled into the cluster's internal queue; a paced campaign batch would hold the
stop for as long as its pacing lasts. This command is django-q2's own, plus one event created
before the cluster forks: the SIGTERM handler sets it first, and the send service
(``messaging.scheduling.queue.worker_stopping``) hands the rest of a batch back to the queue, where a
cluster that is still running (or this one, restarted) takes it up.

Deployments should signal the main process only (systemd ``KillMode=mixed``): a SIGTERM sent to
every process of the group kills the workers at once, which is a crash, not a graceful stop.
"""

import multiprocessing
import os

from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QclusterCommand

from messaging.scheduling.queue import stopping_event_install


class StoppingCluster(Cluster):
    """A cluster whose SIGTERM/SIGINT first tells every worker that a stop has begun."""

    def __init__(self, stopping, *args, **kwargs):
        self.stopping = stopping
        super().__init__(*args, **kwargs)

    def sig_handler(self, signum, frame):
        self.stopping.set()
        super().sig_handler(signum, frame)


class Command(QclusterCommand):
    def handle(self, *args, **options):
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        # django-q2 forks its processes (cluster.get_mp_context), so they all share this event.
        stopping = multiprocessing.get_context("fork").Event()
        stopping_event_install(stopping)
        cluster = StoppingCluster(stopping)
        cluster.start()
        if options.get("run_once", False):
            cluster.stop()
