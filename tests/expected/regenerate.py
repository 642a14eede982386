"""Write the stored expected outputs of every shipped preset: `python tests/expected/regenerate.py`.

Each file is the preset's allocation on its own dataset (amounts per pool and region, in 万元, and the
binding constraint code), as `tests/test_expected_outputs.py` compares it exactly. Regenerate only when a
change is meant to move the figures, and say why in the commit message.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator import usecases
from allocator.policy import preset_names

HERE = Path(__file__).resolve().parent


def expected_frame(preset: str) -> pd.DataFrame:
    result = usecases.run(usecases.load_inputs(preset))
    return result.table().assign(binding=result.binding)


def main() -> None:
    for preset in preset_names():
        path = HERE / f"{preset}.csv"
        expected_frame(preset).to_csv(path, index=False, lineterminator="\n")
        print(f"已写出 {path}")


if __name__ == "__main__":
    main()
