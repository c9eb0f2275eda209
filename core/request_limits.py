"""A request body over the limit is refused before it is read: 413 and a page that says so, never a 500.

The largest thing anyone sends is a workers' file (60 MB,
``workers.importing.MAX_UPLOAD_BYTES``); ``REQUEST_BODY_MAX_BYTES`` (64 MB)
leaves room for the rest of its form. Each screen still applies its own,
smaller limit to the file it takes (``UPLOAD_MAX_BYTES``, 10 MB, for
documents); this one stops a body that no screen would take from filling the
memory or the disk first.

- The stated length (Content-Length) is judged before a byte is read: over the
  limit, 413; not a number, 400. The WSGI server (gunicorn) and Django's
  ``LimitedStream`` never hand the application more than the stated length,
  so a body longer than it says is cut there, and a multipart body that ends
  inside a file is refused as damaged (400), where Django would drop the file
  and hand the view the rest of the form.
- While a multipart body is read, ``LimitedUploadHandler`` (first of the
  upload handlers) counts its files' bytes and stops reading past the limit
  (``StopUpload``, without reading the rest), whatever the stated length said:
  under ASGI, Django hands the parser the whole body the client sent.
- Form fields outside files are held in memory and bounded by Django's
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB); over it, 413 too.

The body of a form is read here, in the middleware, rather than when the CSRF
check or the view first asks for ``request.POST``: so a refusal is this page,
and no view ever runs with a form whose file was dropped half-way.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.middleware import answer_database_error

logger = logging.getLogger(__name__)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of a multipart body's files and stops reading once they pass ``limit``."""

    def __init__(self, request: Any, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.stopped = False
        self.interrupted = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.stopped = True
            # connection_reset: Django then closes the files so far and reads no more of the body.
            raise StopUpload(connection_reset=True)
        return raw_data  # handed on to the handlers that keep it (memory, then a temporary file)

    def upload_interrupted(self) -> None:
        # The body ended inside a file: cut short (shorter than stated, or a dropped connection). Django would drop
        # that file and go on with the rest of the form; the form is refused as damaged instead.
        self.interrupted = True

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def _page(request: Any, status: int, message: str) -> HttpResponse:
    template = "413.html" if status == 413 else "400.html"
    return HttpResponse(render_to_string(template, {"message": message}, request=request), status=status)


def too_large(request: Any) -> HttpResponse:
    logger.warning("Refused %s %s: the body is over REQUEST_BODY_MAX_BYTES", request.method, request.path)
    return _page(
        request,
        413,
        _("What you sent is larger than the register accepts (%(limit)s). Nothing was saved. "
          "Send a smaller file; a long list of workers can be split into several files.")
        % {"limit": filesizeformat(settings.REQUEST_BODY_MAX_BYTES)},
    )


def damaged(request: Any) -> HttpResponse:
    return _page(request, 400, _(
        "What you sent could not be read: it arrived incomplete or damaged, or with too many fields. "
        "Nothing was saved. Try again."
    ))


def refusal_for(request: Any) -> HttpResponse | None:
    """The refusal of a body over the limit or damaged, or None when the request may go on (its form already read)."""
    limit = settings.REQUEST_BODY_MAX_BYTES
    stated = (request.META.get("CONTENT_LENGTH") or "").strip()
    if stated:
        if not stated.isdigit():
            return damaged(request)
        if int(stated) > limit:
            return too_large(request)
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return None  # Django reads no other body by itself, and core.access refuses other methods
    handler = LimitedUploadHandler(request, limit)
    request.upload_handlers.insert(0, handler)
    try:
        request.POST  # noqa: B018  (reading it parses the body, under the handler's count)
        request.FILES  # noqa: B018
    except RequestDataTooBig:
        return too_large(request)
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, UnreadablePostError):
        return damaged(request)
    if handler.stopped:
        return too_large(request)
    if handler.interrupted:
        return damaged(request)
    return None


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refusal = refusal_for(request)
        except (OperationalError, InterfaceError) as error:
            # A refusal page reads the signed-in user for its menu: during an outage, the 503 page instead.
            return answer_database_error(request, error)
        return refusal or self.get_response(request)
