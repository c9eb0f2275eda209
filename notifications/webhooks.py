"""Twilio's webhooks: delivery receipts and inbound messages (filled in below)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.access import PUBLIC, requires


@csrf_exempt
@requires(PUBLIC)
@require_POST
def twilio_status(request):
    return HttpResponse(status=403)


@csrf_exempt
@requires(PUBLIC)
@require_POST
def twilio_inbound(request):
    return HttpResponse(status=403)
