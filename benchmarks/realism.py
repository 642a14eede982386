"""Re-measure the realism figures of the Sichuan presets on the packaged demo data.

    python benchmarks/realism.py            # sichuan-2019 and sichuan-2020
    python benchmarks/realism.py sichuan-2019

Prints one table per preset (指标, 数值, 单位, 对照); see allocator/analysis/realism.py.
"""
from __future__ import annotations

import sys

import pandas as pd

from allocator.analysis.realism import realism_frame, realism_table
from allocator.usecases import load_inputs, run


def measure(preset: str) -> pd.DataFrame:
    inputs = load_inputs(preset, None)
    return realism_frame(realism_table(run(inputs), inputs.source.frame))


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    for name in sys.argv[1:] or ["sichuan-2019", "sichuan-2020"]:
        print(f"== {name}")
        print(measure(name).to_string(index=False))
