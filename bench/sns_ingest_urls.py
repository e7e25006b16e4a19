"""Bench-only URLconf: the portal's URLs plus the two baselines /sns/ is measured against.

- ``/bench-noop/`` does nothing: the cost of the WSGI stack alone.
- ``/bench-floor/`` does the least any ``/sns/`` must do before answering 200: verify the
  signature and durably store the envelope under its MessageId (one prepared INSERT, committed).
  It acts on nothing. Its rate is the ceiling for any design that stores before it answers.
"""

import json

import psycopg
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from messaging.inbound.sns_verify import verify
from messaging.inbound.views import noop_endpoint
from portal.urls import urlpatterns as portal_urlpatterns

FLOOR_SQL = """
INSERT INTO messaging_snsnotification
    (message_id, type, topic_arn, subject, raw, kind, status, error, received_at, subscribe_url)
VALUES (%(message_id)s, %(type)s, %(topic_arn)s, '', %(raw)s::jsonb, 'other', 'received', '', now(), '')
ON CONFLICT (message_id) DO NOTHING
"""


@csrf_exempt
def floor_endpoint(request):
    envelope = verify(request.body)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(FLOOR_SQL, {"message_id": envelope["MessageId"], "type": envelope["Type"],
                                   "topic_arn": envelope["TopicArn"], "raw": json.dumps(envelope)}, prepare=True)
    return HttpResponse("stored", content_type="text/plain")


urlpatterns = [path("bench-noop/", csrf_exempt(noop_endpoint)), path("bench-floor/", floor_endpoint),
               *portal_urlpatterns]
