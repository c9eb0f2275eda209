"""`make bench`: run every scenario under benchmarks/scenarios and print a table.

    python -m benchmarks [--scale N] [--only NAME]

It creates a separate test database (test_<name>), so the demo or
production data are never touched, and drops it afterwards.
"""

import argparse
import importlib
import os
import pkgutil
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="demo data multiplier (seed_demo --scale)")
    parser.add_argument("--only", help="run only the scenarios whose name contains this text")
    options = parser.parse_args()
    if options.scale < 1:
        parser.error("--scale must be 1 or more")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner

    from benchmarks import scenarios
    from benchmarks.harness import measure, table

    found = []
    for module_info in pkgutil.iter_modules(scenarios.__path__):
        module = importlib.import_module(f"benchmarks.scenarios.{module_info.name}")
        found.extend(getattr(module, "SCENARIOS", []))
    if options.only:
        found = [scenario for scenario in found if options.only in scenario.name]
    if not found:
        print("no scenario matched", file=sys.stderr)
        return 2

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        results = [measure(scenario, options.scale) for scenario in found]
    finally:
        runner.teardown_databases(old_config)
    print(table(results, connection.vendor, options.scale))
    return 0 if all(result.within_budget for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
