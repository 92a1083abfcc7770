"""The ``radiogenomics demo`` command: a simulated cohort through the whole workflow."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add ``demo`` to the ``radiogenomics`` parser."""
    parser = subparsers.add_parser(
        "demo",
        help="simulate a DCE-MRI cohort and run the full workflow on it (offline)",
        description="Simulate a DCE-MRI breast cohort from a fixed seed (no data files, no "
        "network), segment each lesion by fuzzy c-means, compute the 36 DCE-MRI "
        "phenotypes, then run size-controlled associations with FDR, the clustered heat "
        "map and subtype prediction with ROC, and write a report. Every patient is "
        "simulated; the report and log say so.",
    )
    parser.add_argument("--out", required=True, help="folder to create for the results")
    parser.add_argument(
        "--patients", type=int, default=60, metavar="N",
        help="number of simulated patients, at least 10 (default: 60)",
    )
    parser.add_argument(
        "--seed", type=int, default=2024,
        help="seed of the simulation and resampling, an integer from 0 to 4294967295 "
        "(default: 2024)",
    )
    parser.add_argument(
        "--jobs", type=int, metavar="N",
        help="worker processes: a positive integer, or -1 for all CPUs (default: all CPUs); "
        "results do not depend on it",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out folder"
    )
    parser.set_defaults(handler=_demo)


def _demo(args) -> int:
    from radiogenomics.workflow.demo import NOTICE, check_demo_arguments, run_demo
    from radiogenomics.workflow.runner import resolve_workers

    check_demo_arguments(args.patients, args.seed, patients_name="--patients",
                         seed_name="--seed")
    n_jobs = resolve_workers(args.jobs, "--jobs")
    result = run_demo(
        args.out, n_patients=args.patients, seed=args.seed, n_jobs=n_jobs,
        overwrite=args.overwrite,
    )
    print(NOTICE)
    print(f"results written to {result.out_dir} (report: {result.out_dir / 'report.md'})")
    return 0
