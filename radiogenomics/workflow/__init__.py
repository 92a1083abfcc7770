"""Workflow files, runs, provenance and reports."""

from radiogenomics.workflow.runner import RunResult, run_workflow
from radiogenomics.workflow.spec import load_workflow

__all__ = ["RunResult", "load_workflow", "run_workflow"]
