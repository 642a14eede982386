"""The factor-method engine: pure functions from policy and region data to an explained result."""
from allocator.engine.inputs import RegionData, check_for_policy
from allocator.engine.pipeline import allocate
from allocator.engine.result import AllocationResult

__all__ = ["AllocationResult", "RegionData", "allocate", "check_for_policy"]
