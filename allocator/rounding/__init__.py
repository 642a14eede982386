"""Exact rounding: largest remainder per pool, controlled rounding of region × pool tables."""
from allocator.rounding.controlled import controlled_round
from allocator.rounding.hamilton import largest_remainder

__all__ = ["controlled_round", "largest_remainder"]
