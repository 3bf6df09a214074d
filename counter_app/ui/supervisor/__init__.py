"""The supervisor's tools: statistics, daily-log export and day close."""

from __future__ import annotations

from counter_app.ui.supervisor.day_close_dialog import DayCloseDialog
from counter_app.ui.supervisor.export_dialog import ExportDialog
from counter_app.ui.supervisor.stats_view import StatsView

__all__ = ["DayCloseDialog", "ExportDialog", "StatsView"]
