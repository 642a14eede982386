"""Cached wrappers around `allocator.usecases` and the per-session state of the app.

Cached objects are immutable results keyed by hashable inputs (preset name, data reference, overrides as
JSON); everything a user edits lives in `st.session_state` only, so two sessions never see each
other's unsaved edits. No module-level mutable state.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import streamlit as st

from allocator import usecases as u

DEFAULT_PRESET = "sichuan-2020"
CURRENT = "current"  # session key: the scenario on the design page {base, data, overrides}
LAST_GOOD = "last_good"  # session key: the last scenario that ran, {base, data, overrides}


def store_path() -> str | None:
    """Dataset store (ALLOCATOR_STORE), None for the library's default."""
    return os.environ.get("ALLOCATOR_STORE") or None


def scenarios_path() -> str | None:
    """Scenario store (ALLOCATOR_SCENARIOS), None for the library's default (the dataset store's file)."""
    return os.environ.get("ALLOCATOR_SCENARIOS") or None


def overrides_key(overrides: dict[str, Any]) -> str:
    return json.dumps(overrides, ensure_ascii=False, sort_keys=True)


@st.cache_resource(show_spinner=False)
def presets() -> dict[str, str]:
    return u.builtin_presets()


@st.cache_resource(show_spinner=False)
def base_policy(name: str):
    return u.resolve_policy(name)


@st.cache_resource(show_spinner=False)
def topology() -> dict:
    """County boundaries oriented for Vega, built once per server."""
    return u.map_topology()


@st.cache_resource(show_spinner=False)
def cjk_fonts() -> list[str]:
    """CJK fonts registered with vl-convert once per server, for PNG exports."""
    from app.ui.charts import register_cjk_fonts

    return register_cjk_fonts()


def chart_png(spec: dict) -> bytes:
    from app.ui.charts import to_png

    cjk_fonts()
    return to_png(spec)


def data_choices() -> dict[str, str]:
    return u.data_choices(store_path())


@st.cache_resource(show_spinner=False, max_entries=64)
def inputs(base: str, data: str, overrides: str) -> u.Inputs:
    return u.scenario_inputs(base_policy(base), data, json.loads(overrides), store_path())


@st.cache_resource(show_spinner=False, max_entries=64)
def view(base: str, data: str, overrides: str) -> u.DesignView:
    return u.design_view(inputs(base, data, overrides))


@st.cache_resource(show_spinner=False, max_entries=16)
def result_xlsx(base: str, data: str, overrides: str) -> bytes:
    v = view(base, data, overrides)
    return u.result_xlsx(v.result, v.note)


@st.cache_resource(show_spinner=False, max_entries=8)
def documents(base: str, data: str, overrides: str) -> dict[str, bytes]:
    """The scenario's 分配表 (.xlsx, .docx) and 测算说明 (.docx), file name → bytes."""
    return u.document_files(inputs(base, data, overrides), store_path())


def document(base: str, data: str, overrides: str, index: int) -> bytes:
    """One of the scenario's documents (in the order of `u.document_files`), for a lazy download."""
    return list(documents(base, data, overrides).values())[index]


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario as the app passes it around — base preset, data reference, overrides — by reference, not
    the policy-level `allocator.policy.Scenario`."""

    base: str
    data: str
    overrides: dict[str, Any]
    label: str = "当前方案"

    @property
    def key(self) -> tuple[str, str, str]:
        return self.base, self.data, overrides_key(self.overrides)


def current() -> ScenarioRef | None:
    """The last scenario that ran on the design page in this session."""
    found = st.session_state.get(LAST_GOOD)
    return ScenarioRef(**found) if found else None


def remember(scenario: ScenarioRef) -> None:
    st.session_state[LAST_GOOD] = {"base": scenario.base, "data": scenario.data, "overrides": scenario.overrides}


def default_scenario() -> ScenarioRef:
    policy = base_policy(DEFAULT_PRESET)
    return ScenarioRef(DEFAULT_PRESET, policy.dataset or "", {}, DEFAULT_PRESET)


def saved_as_scenario(saved: u.SavedScenario) -> ScenarioRef:
    return ScenarioRef(saved.base, saved.dataset, saved.overrides, f"{saved.name}（#{saved.id}）")
