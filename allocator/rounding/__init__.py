"""Exact rounding: largest remainder per row (one or many), controlled rounding of region × pool tables."""
from allocator.rounding.controlled import controlled_round
from allocator.rounding.hamilton import largest_remainder
from allocator.rounding.rows import round_rows

__all__ = ["controlled_round", "largest_remainder", "round_rows"]
