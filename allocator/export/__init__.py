"""Exports: allocation tables as .csv and .xlsx (`tables`, `funds`), and the notice's documents —
分配表 (`allocation_table`), 区域绩效目标表 (`targets_doc`), 测算说明 (`method_note`), the CSV for systems
import (`systems_csv`) — laid out after GB/T 9704-2012 (`layout`), text cells safe against formula
injection (`csv_safe`)."""
from allocator.export.tables import result_frame, write_csv, write_result, write_xlsx

__all__ = ["result_frame", "write_csv", "write_result", "write_xlsx"]
