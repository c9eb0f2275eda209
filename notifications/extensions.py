from django.utils.translation import gettext_lazy as _

from core import registry
from notifications.retention import apply_sms_retention
from notifications.services import sweep_outbox

registry.register_nav(registry.NavItem(_("SMS texts"), "notifications:template_list", "sms_templates.manage", order=920))
registry.register_nav(registry.NavItem(_("SMS outbox"), "notifications:outbox", "sms.view", order=921))
registry.register_nav(registry.NavItem(_("Inbound SMS"), "notifications:inbound", "sms.view", order=922))
registry.register_nav(registry.NavItem(_("SMS delivery rates"), "notifications:delivery_rates", "sms.view", order=923))
registry.register_nav(registry.NavItem(_("Failed numbers"), "notifications:failed_numbers", "sms.view", order=924))
registry.register_job(registry.ScheduledJob(name="notifications.sweep_outbox", run=sweep_outbox, lease_minutes=10))
registry.register_job(registry.ScheduledJob(name="notifications.sms_retention", run=apply_sms_retention, lease_minutes=60))
