"""The money as it really moves: advances and settlement, two tiers, performance-target tables."""
from allocator.funds.advance import (
                                     SettlementResult,
                                     advance_amounts,
                                     advance_from_policy,
                                     deadlines,
                                     next_year_advance,
                                     settle,
)
from allocator.funds.targets import RegionTargets, target_tables, targets_frame
from allocator.funds.tiers import TwoTierResult, aggregate, allocate_two_tier, compare_paths, with_pool_totals

__all__ = ["RegionTargets", "SettlementResult", "TwoTierResult", "advance_amounts", "advance_from_policy", "aggregate",
           "allocate_two_tier", "compare_paths", "deadlines", "next_year_advance", "settle", "target_tables",
           "targets_frame", "with_pool_totals"]
