from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import access
from core.access import requires
from core.lists import RecordListView
from notifications.filters import SmsTemplateFilter
from notifications.forms import SmsTemplateForm
from notifications.models import SmsTemplate
from notifications.tables import SmsTemplateTable


class SmsTemplateListView(RecordListView):
    capability = "sms_templates.manage"
    table_class = SmsTemplateTable
    filterset_class = SmsTemplateFilter
    export_name = "sms-texts"

    @property
    def page_title(self):
        return _("SMS texts")

    def get_queryset(self):
        return access.visible_to(self.request.user, SmsTemplate.objects.order_by("key", "language"))


@requires("sms_templates.manage")
def template_edit(request, pk):
    template = access.get_visible_or_404(request.user, SmsTemplate.objects.all(), pk=pk)
    form = SmsTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("The SMS text was saved."))
        return redirect("notifications:template_list")
    return render(
        request,
        "notifications/template_edit.html",
        {
            "form": form,
            "record": template,
            "page_title": _("SMS text: %(key)s") % {"key": template.key},
            "cancel_url": reverse("notifications:template_list"),
        },
    )
