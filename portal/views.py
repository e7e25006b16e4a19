from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect


def home(request):
    return redirect("admin:index")


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})
