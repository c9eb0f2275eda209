"""Demo data of contracts (written by seed_contracts)."""


def seed_contracts(scale: int) -> list[tuple[str, str]]:
    return []
