from django.utils.translation import gettext_lazy as _

from core import registry
from notifications.services import sweep_outbox

registry.register_nav(registry.NavItem(_("SMS texts"), "notifications:template_list", "sms_templates.manage", order=920))
registry.register_job(registry.ScheduledJob(name="notifications.sweep_outbox", run=sweep_outbox, lease_minutes=10))
