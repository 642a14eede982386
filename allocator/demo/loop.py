"""The performance loop's demo data: the 2020 county figures with each county's 2019 绩效自评 results
joined (selfeval_score, execution_rate, balance_share), scored from the shipped 2019 entries under the
sichuan-selfeval system. Shipped as allocator/data/sichuan/loop_2020.csv (dataset
`sichuan-2020-loop`), so reading it needs no scoring.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.dataset.reference import LOOP_DATASET, SELFEVAL_DATASET, extra_dataset_path, load_figures, load_packaged
from allocator.funds.selfeval import results_frame, score_selfeval
from allocator.policy import load_policy

SOURCE_DIR = Path(__file__).resolve().parents[1] / "data"  # the source checkout's data folder


def loop_figures() -> pd.DataFrame:
    """The 2020 demo figures with the 2019 self-evaluation results of every county joined."""
    entries = load_packaged(SELFEVAL_DATASET)
    results = results_frame(score_selfeval(load_policy("sichuan-selfeval"), entries)).drop(columns="name")
    figures = load_figures(2020)
    return figures.drop(columns=[c for c in results.columns if c != "code" and c in figures]).merge(
        results, on="code", how="left", validate="one_to_one")


def write_loop_figures() -> str:
    """Write the loop dataset's file in the source checkout; return its path."""
    path = SOURCE_DIR.joinpath(*extra_dataset_path(LOOP_DATASET).split("/"))
    loop_figures().to_csv(path, index=False, encoding="utf-8")
    return str(path)
