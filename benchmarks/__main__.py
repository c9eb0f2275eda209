"""`make bench`: run every scenario under benchmarks/scenarios, print a table and write the figures as JSON.

    python -m benchmarks [--scale N] [--only NAME] [--repeat N] [--json PATH] [--keepdb] [--list]

It creates a separate test database (test_<name>), so the demo or
production data are never touched, and drops it afterwards, unless
``--keepdb``: then the database is kept for the next run, which reuses the
data already loaded (a million workers take minutes to load, seconds to
reuse). Each figure (JSON, ``var/bench.json`` by default, and the table)
carries the data size, the engine, the number of queries of one run and the
median and 95th percentile of the runs. The exit status is 1 when a figure
is over its budget or a comparison fails.
"""

import argparse
import datetime
import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path

DEFAULT_JSON = Path(__file__).resolve().parent.parent / "var" / "bench.json"


def _found(scenarios_package):
    found, comparisons = [], []
    for module_info in pkgutil.iter_modules(scenarios_package.__path__):
        module = importlib.import_module(f"benchmarks.scenarios.{module_info.name}")
        for scenario in getattr(module, "SCENARIOS", []):
            scenario.module = module_info.name
            found.append(scenario)
        comparisons.extend(getattr(module, "COMPARISONS", []))
    return found, comparisons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="data multiplier (10: a million workers)")
    parser.add_argument("--only", help="run only the scenarios whose name contains this text, or those of one module (lists)")
    parser.add_argument("--repeat", type=int, help="timed runs per scenario (default: each scenario's own)")
    parser.add_argument("--json", default=str(DEFAULT_JSON), help=f"where to write the figures (default {DEFAULT_JSON})")
    parser.add_argument("--keepdb", action="store_true", help="keep the test database, and reuse it if it exists")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    options = parser.parse_args()
    if options.scale < 1:
        parser.error("--scale must be 1 or more")
    if options.repeat is not None and options.repeat < 1:
        parser.error("--repeat must be 1 or more")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner

    from benchmarks import scenarios
    from benchmarks.harness import compare, engine, measure, results_json, table

    found, comparisons = _found(scenarios)
    if options.only:
        found = [scenario for scenario in found if options.only in scenario.name or options.only == scenario.module]
    if options.list:
        print("\n".join(scenario.name for scenario in found))
        return 0
    if not found:
        print("no scenario matched", file=sys.stderr)
        return 2

    started = datetime.datetime.now(datetime.UTC)
    runner = get_runner(settings)(verbosity=0, interactive=False, keepdb=options.keepdb)
    # No serialised copy of the data (Django keeps one for TransactionTestCase's serialized_rollback): with --keepdb
    # over a loaded database it would read ten million SMS into memory before the first scenario.
    old_config = runner.setup_databases(serialized_aliases=set())
    try:
        results = []
        for scenario in found:
            result = measure(scenario, options.scale, options.repeat)
            results.append(result)
            print(f"{scenario.name}: median {result.median * 1000:.1f} ms, p95 {result.p95 * 1000:.1f} ms, "
                  f"{result.query_count} queries", flush=True)
        compared = compare(comparisons, results)
        engine_name = engine()
        figures = results_json(results, compared, options.scale, started)
    finally:
        runner.teardown_databases(old_config)
    print(table(results, engine_name, options.scale, compared))
    path = Path(options.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {path}")
    ok = all(result.within_budget for result in results) and all(item.holds for item in compared)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
