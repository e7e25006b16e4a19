"""The SNS endpoint (issue 3 completes verification and storage)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt  # SNS cannot send a CSRF token; the message signature is what authenticates it.
@require_POST
def sns_endpoint(request):
    return HttpResponse(status=501)
