"""Use cases shared by the CLI, the notebooks and the app: each takes references or objects, runs every
check that protects a user, and returns a result object. Nothing here prints.

A policy is named by a preset (`sichuan-2020`) or a file path; data by a shipped dataset name
(`sichuan-2020`, `example`), a stored version (`db:name` or `db:name@version`), a file path (.csv/.xlsx),
or a table already in memory. The same bad input gives the same Chinese message from every caller.

One module per concern, every public name re-exported here (`from allocator import usecases as u; u.run`):
  references   policy and data references → checked Inputs; shipped presets and datasets; policy changes
  runs         run, validate, totals by funding source, method hint
  funds        settlement against advances, two tiers, 区域绩效目标表
  data_entry   templates, imports, stored versions, and the app's data page (browsing, uploads)
  loop         the performance loop (绩效自评 templates, imports, scores, results joined) and matching (配套)
  documents    the notice's attachments (分配表, 区域绩效目标表, 测算说明, CSV), to a folder or as bytes
  scenarios    scenarios as base + overrides, saved scenarios, the reform summary
  design       the app's design view (headline, region chart data and tables, bindings, funding sources)
  comparison   the app's comparison of scenarios
  county       the app's county preview (waterfall, private what-if, marginal gains, 配套)
  downloads    the app's CSV and .xlsx downloads as bytes
  analysis     sweeps, sensitivity, Monte Carlo, goal-seeking, pace of change; specs parsed from text
  outputs      the command line's files (run tables, settlement, two tiers, 区域绩效目标表, analysis tables)
The county map's topology (`map_topology`, `ring_areas`) is data-layer code in `allocator.dataset.topology`.

Names load on first use (PEP 562 `__getattr__`): `import allocator.usecases` costs nothing, so the command line
starts without pandas, the analysis, openpyxl or python-docx, and each command pays only for what it calls.
`_HOMES` says where each name lives; the `TYPE_CHECKING` block repeats it for the type checker (a test keeps
them and `__all__` equal).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES: dict[str, tuple[str, ...]] = {
    "allocator.analysis.matching": ("MatchingRule",),
    "allocator.dataset.topology": ("map_topology", "ring_areas"),
    "allocator.scenarios.store": ("SavedScenario", "ScenarioExists"),
    "allocator.usecases.analysis": (
        "SensitivityReport", "SweepReport", "analysis_executor", "goal", "montecarlo", "pace", "parse_errors",
        "parse_grid", "parse_ranges", "prepare_inputs", "sensitivity", "sweep",
    ),
    "allocator.usecases.comparison": ("Compared", "ComparisonView", "comparable", "compare", "headline_rows"),
    "allocator.usecases.county": (
        "OWN_INPUT_COLUMN", "CountyMatching", "CountyPreview", "county_choices", "county_matching", "county_preview",
        "find_regions", "waterfall_frame", "with_region_changes",
    ),
    "allocator.usecases.data_entry": (
        "ImportReport", "TemplateReport", "check_dataset_name", "check_table", "check_upload", "dataset_table",
        "import_dataset", "import_upload", "list_datasets", "make_template", "problems_frame", "regions_for",
        "template_bytes",
    ),
    "allocator.usecases.design": (
        "DEEP_POVERTY_FLAG", "NEED_FACTOR", "POPULATION_COLUMN", "DesignView", "binding_frame", "correlations",
        "deep_poverty_flags", "design_view", "funding_sources", "need_counts", "off_map_regions", "prefecture_names",
        "region_frame", "region_table",
    ),
    "allocator.usecases.documents": (
        "APP_DOCUMENTS", "DOCUMENT_FORMATS", "DOCUMENT_KINDS", "MEDICAL_ASSISTANCE_SUBJECT", "DocumentOptions",
        "DocumentsReport", "data_source_text", "default_subject", "document_files", "document_names",
        "export_documents",
    ),
    "allocator.usecases.downloads": ("CHART_LABELS", "chart_csv", "result_xlsx", "table_csv"),
    "allocator.usecases.funds": (
        "TargetsReport", "TwoTierReport", "region_parents", "settle", "targets", "targets_title", "two_tiers",
    ),
    "allocator.usecases.loop": (
        "RESULT_COLUMNS", "SELFEVAL_TITLE", "LoopData", "MatchingReport", "SelfEvalReport", "import_selfeval",
        "make_selfeval_template", "matching", "required_columns_for_selfeval", "selfeval", "selfeval_system",
        "selfeval_title", "store_selfeval_results", "with_selfeval_results", "write_selfeval_document",
    ),
    "allocator.usecases.outputs": (
        "check_output", "settlement_notes", "write_loop_data", "write_run", "write_settlement", "write_table",
        "write_tables", "write_targets", "write_two_tiers",
    ),
    "allocator.usecases.references": (
        "DEFAULT_PRESET", "LEVELS", "METHODS", "DataRef", "DataSource", "Inputs", "PolicyChanges", "PolicyRef",
        "builtin_datasets", "builtin_presets", "load_inputs", "parse_db_ref", "policy_changes", "read_data",
        "resolve_policy", "with_objective",
    ),
    "allocator.usecases.runs": ("Validation", "method_hint", "run", "totals_by_source", "validate"),
    "allocator.usecases.scenarios": (
        "PATH_LABELS", "changed_overrides", "data_choices", "delete_scenario", "describe_path", "duplicate_scenario",
        "list_scenarios", "load_scenario", "raw_value", "reform_summary", "rename_scenario", "save_scenario",
        "scenario_exists", "scenario_inputs", "scenario_json", "scenario_policy",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = ["APP_DOCUMENTS", "CHART_LABELS", "Compared", "ComparisonView", "CountyMatching", "CountyPreview",
           "DEEP_POVERTY_FLAG", "DEFAULT_PRESET", "DOCUMENT_FORMATS", "DOCUMENT_KINDS", "DataRef", "DataSource",
           "DesignView", "DocumentOptions", "DocumentsReport", "ImportReport", "Inputs", "LEVELS", "LoopData",
           "MEDICAL_ASSISTANCE_SUBJECT", "METHODS", "MatchingReport", "MatchingRule", "NEED_FACTOR", "OWN_INPUT_COLUMN",
           "PATH_LABELS", "POPULATION_COLUMN", "PolicyChanges", "PolicyRef", "RESULT_COLUMNS", "SELFEVAL_TITLE",
           "SavedScenario", "ScenarioExists", "SelfEvalReport", "SensitivityReport", "SweepReport", "TargetsReport",
           "TemplateReport", "TwoTierReport", "Validation", "analysis_executor", "binding_frame", "builtin_datasets",
           "builtin_presets", "changed_overrides", "chart_csv", "check_dataset_name", "check_output", "check_table",
           "check_upload", "comparable", "compare", "correlations", "county_choices", "county_matching",
           "county_preview", "data_choices", "data_source_text", "dataset_table", "deep_poverty_flags",
           "default_subject", "delete_scenario", "describe_path", "design_view", "document_files", "document_names",
           "duplicate_scenario", "export_documents", "find_regions", "funding_sources", "goal", "headline_rows",
           "import_dataset", "import_selfeval", "import_upload", "list_datasets", "list_scenarios", "load_inputs",
           "load_scenario", "make_selfeval_template", "make_template", "map_topology", "matching", "method_hint",
           "montecarlo", "need_counts", "off_map_regions", "pace", "parse_db_ref", "parse_errors", "parse_grid",
           "parse_ranges", "policy_changes", "prefecture_names", "prepare_inputs", "problems_frame", "raw_value",
           "read_data", "reform_summary", "region_frame", "region_parents", "region_table", "regions_for",
           "rename_scenario", "required_columns_for_selfeval", "resolve_policy", "result_xlsx", "ring_areas", "run",
           "save_scenario", "scenario_exists", "scenario_inputs", "scenario_json", "scenario_policy", "selfeval",
           "selfeval_system", "selfeval_title", "sensitivity", "settle", "settlement_notes", "store_selfeval_results",
           "sweep", "table_csv", "targets", "targets_title", "template_bytes", "totals_by_source", "two_tiers",
           "validate", "waterfall_frame", "with_objective", "with_region_changes", "with_selfeval_results",
           "write_loop_data", "write_run", "write_selfeval_document", "write_settlement", "write_table", "write_tables",
           "write_targets", "write_two_tiers"]


def __getattr__(name: str) -> Any:
    """A use case, loaded with its module the first time it is asked for."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from allocator.analysis.matching import MatchingRule
    from allocator.dataset.topology import map_topology, ring_areas
    from allocator.scenarios.store import SavedScenario, ScenarioExists
    from allocator.usecases.analysis import (
        SensitivityReport,
        SweepReport,
        analysis_executor,
        goal,
        montecarlo,
        pace,
        parse_errors,
        parse_grid,
        parse_ranges,
        prepare_inputs,
        sensitivity,
        sweep,
    )
    from allocator.usecases.comparison import Compared, ComparisonView, comparable, compare, headline_rows
    from allocator.usecases.county import (
        OWN_INPUT_COLUMN,
        CountyMatching,
        CountyPreview,
        county_choices,
        county_matching,
        county_preview,
        find_regions,
        waterfall_frame,
        with_region_changes,
    )
    from allocator.usecases.data_entry import (
        ImportReport,
        TemplateReport,
        check_dataset_name,
        check_table,
        check_upload,
        dataset_table,
        import_dataset,
        import_upload,
        list_datasets,
        make_template,
        problems_frame,
        regions_for,
        template_bytes,
    )
    from allocator.usecases.design import (
        DEEP_POVERTY_FLAG,
        NEED_FACTOR,
        POPULATION_COLUMN,
        DesignView,
        binding_frame,
        correlations,
        deep_poverty_flags,
        design_view,
        funding_sources,
        need_counts,
        off_map_regions,
        prefecture_names,
        region_frame,
        region_table,
    )
    from allocator.usecases.documents import (
        APP_DOCUMENTS,
        DOCUMENT_FORMATS,
        DOCUMENT_KINDS,
        MEDICAL_ASSISTANCE_SUBJECT,
        DocumentOptions,
        DocumentsReport,
        data_source_text,
        default_subject,
        document_files,
        document_names,
        export_documents,
    )
    from allocator.usecases.downloads import CHART_LABELS, chart_csv, result_xlsx, table_csv
    from allocator.usecases.funds import (
        TargetsReport,
        TwoTierReport,
        region_parents,
        settle,
        targets,
        targets_title,
        two_tiers,
    )
    from allocator.usecases.loop import (
        RESULT_COLUMNS,
        SELFEVAL_TITLE,
        LoopData,
        MatchingReport,
        SelfEvalReport,
        import_selfeval,
        make_selfeval_template,
        matching,
        required_columns_for_selfeval,
        selfeval,
        selfeval_system,
        selfeval_title,
        store_selfeval_results,
        with_selfeval_results,
        write_selfeval_document,
    )
    from allocator.usecases.outputs import (
        check_output,
        settlement_notes,
        write_loop_data,
        write_run,
        write_settlement,
        write_table,
        write_tables,
        write_targets,
        write_two_tiers,
    )
    from allocator.usecases.references import (
        DEFAULT_PRESET,
        LEVELS,
        METHODS,
        DataRef,
        DataSource,
        Inputs,
        PolicyChanges,
        PolicyRef,
        builtin_datasets,
        builtin_presets,
        load_inputs,
        parse_db_ref,
        policy_changes,
        read_data,
        resolve_policy,
        with_objective,
    )
    from allocator.usecases.runs import Validation, method_hint, run, totals_by_source, validate
    from allocator.usecases.scenarios import (
        PATH_LABELS,
        changed_overrides,
        data_choices,
        delete_scenario,
        describe_path,
        duplicate_scenario,
        list_scenarios,
        load_scenario,
        raw_value,
        reform_summary,
        rename_scenario,
        save_scenario,
        scenario_exists,
        scenario_inputs,
        scenario_json,
        scenario_policy,
    )
