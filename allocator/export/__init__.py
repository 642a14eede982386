"""Exports: allocation tables as .csv and .xlsx."""
from allocator.export.tables import result_frame, write_csv, write_result, write_xlsx

__all__ = ["result_frame", "write_csv", "write_result", "write_xlsx"]
