"""Results: prize allocation, advancement between levels, honour lists (pure logic)."""
