"""The ``radiogenomics run`` command."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add ``run`` to the ``radiogenomics`` parser."""
    parser = subparsers.add_parser(
        "run",
        help="run a workflow file and write its results folder",
        description="Run a workflow (YAML): build the cohort, test size-controlled "
        "associations, compute univariate ROC AUCs, cluster, predict subtypes, and write "
        "tables (CSV and Parquet), figures (PNG and PDF), report.md and provenance.json.",
    )
    parser.add_argument("workflow", help="workflow file, e.g. workflows/tcga_brca_mri.yaml")
    parser.add_argument("--out", required=True, help="results folder to create")
    parser.add_argument(
        "--data-dir",
        help="data root searched before RADIOGENOMICS_DATA and the user cache",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing results folder"
    )
    parser.add_argument(
        "--jobs", type=int, metavar="N",
        help="worker processes for DCE phenotypes and cross-validation: a positive integer, "
        "or -1 for all CPUs (default: all CPUs); results do not depend on it",
    )
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from radiogenomics.workflow.runner import resolve_workers, run_workflow

    n_jobs = resolve_workers(args.jobs, "--jobs")
    result = run_workflow(args.workflow, args.out, data_dir=args.data_dir,
                          overwrite=args.overwrite, n_jobs=n_jobs)
    print(f"results written to {result.out_dir} (report: {result.out_dir / 'report.md'})")
    return 0
