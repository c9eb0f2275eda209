"""What inspections adds to core's registries."""
