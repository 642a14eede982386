"""Re-measure the realism figures of the Sichuan presets on the packaged demo data.

    python benchmarks/realism.py            # sichuan-2019 and sichuan-2020
    python benchmarks/realism.py sichuan-2019
    python benchmarks/realism.py --quick     # sichuan-2020 only: proves the script runs (CI)

Prints one table per preset (指标, 数值, 单位, 对照); see allocator/analysis/realism.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocator.analysis.realism import realism_frame, realism_table  # noqa: E402
from allocator.usecases import load_inputs, run  # noqa: E402


def measure(preset: str) -> pd.DataFrame:
    inputs = load_inputs(preset, None)
    return realism_frame(realism_table(run(inputs), inputs.source.frame))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", help="default sichuan-2019 sichuan-2020")
    parser.add_argument("--quick", action="store_true", help="sichuan-2020 only")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    for name in args.presets or (["sichuan-2020"] if args.quick else ["sichuan-2019", "sichuan-2020"]):
        print(f"== {name}")
        print(measure(name).to_string(index=False))


if __name__ == "__main__":
    main()
