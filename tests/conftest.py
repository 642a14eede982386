"""Property tests run the same examples on every machine (a green main stays green); set
HYPOTHESIS_PROFILE=explore to search with fresh random examples."""
import os

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))
