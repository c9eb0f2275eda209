"""What contracts adds to core's registries: menu entries, queues, record sections, the reminder job and demo data."""

from core import registry


def _seed_contracts(scale):
    from contracts.demo import seed_contracts

    return seed_contracts(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="contracts.contracts", seed=_seed_contracts, order=50))


def _ending_reminders():
    from contracts.services import send_ending_reminders

    return send_ending_reminders()


registry.register_job(registry.ScheduledJob(name="contracts.ending_reminders", run=_ending_reminders))
