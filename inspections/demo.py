"""Demo data of inspections (seed_inspections)."""


def seed_inspections(scale: int) -> list[tuple[str, str]]:
    return []
