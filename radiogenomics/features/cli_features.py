"""Commands ``features extract``, ``features catalogue`` and ``ibsi compliance``."""

from __future__ import annotations

import argparse

IBSI_CONFIGURATIONS = ("phantom", "A", "B", "C", "D", "E")


def register(subparsers) -> None:
    """Add the ``features`` and ``ibsi`` command groups to the ``radiogenomics`` parser."""
    features = subparsers.add_parser(
        "features",
        help="extract radiomic features and list the feature catalogue",
        description="Extract IBSI radiomic features from images and masks.",
    )
    commands = features.add_subparsers(dest="features_command", metavar="COMMAND", required=True)

    extract = commands.add_parser(
        "extract",
        help="extract features of many cases into one table",
        description="Extract features of every case of a cases table in parallel. A rerun "
        "with the same settings and package version keeps each finished case whose image, "
        "mask and label are unchanged (path, size and modification time), also after an "
        "interruption. Failing cases go to OUT.errors.csv and the batch goes on.",
    )
    extract.add_argument(
        "--cases",
        required=True,
        help="CSV with columns id,image,mask and optionally label (integer mask label); "
        "relative paths start from the folder of the CSV",
    )
    extract.add_argument(
        "--settings",
        help="YAML settings file (keys of radiogenomics.features.Settings; 'ibsi: C' starts "
        "from an IBSI configuration); default settings when omitted",
    )
    extract.add_argument(
        "--out", required=True, help="output table, .parquet (recommended) or .csv"
    )
    extract.add_argument(
        "--jobs", type=int, default=1, help="worker processes; -1 uses every core (default 1)"
    )
    extract.add_argument("--errors", help="errors table path (default OUT.errors.csv)")
    extract.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    extract.set_defaults(handler=_run_extract)

    catalogue = commands.add_parser(
        "catalogue",
        help="print the feature catalogue",
        description="Print every feature column with its IBSI code, family, unit and "
        "PyRadiomics name.",
    )
    catalogue.add_argument(
        "--aggregation",
        nargs="+",
        default=["3d_avg", "3d_mrg"],
        help="texture aggregation methods to list, e.g. 2d_avg 2.5d_mrg 3d_avg "
        "(default: 3d_avg 3d_mrg)",
    )
    catalogue.add_argument(
        "--diagnostics",
        action="store_true",
        help="also list the IBSI diagnostic columns (image and ROI sizes per processing step)",
    )
    catalogue.add_argument("--out", help="write the catalogue to this CSV instead of printing")
    catalogue.set_defaults(handler=_run_catalogue)

    ibsi = subparsers.add_parser(
        "ibsi",
        help="check IBSI compliance against reference values",
        description="Image Biomarker Standardisation Initiative (IBSI) checks.",
    )
    ibsi_commands = ibsi.add_subparsers(dest="ibsi_command", metavar="COMMAND", required=True)
    compliance = ibsi_commands.add_parser(
        "compliance",
        help="fill in an IBSI 1 reference table",
        description="Extract features with an IBSI 1 configuration and fill in the 'your "
        "result', 'difference' and 'check' columns of its reference table.",
    )
    compliance.add_argument(
        "--config",
        required=True,
        choices=IBSI_CONFIGURATIONS,
        help="IBSI 1 configuration: phantom (digital phantom) or A-E (CT phantom)",
    )
    compliance.add_argument("--reference", required=True, help="IBSI reference table (CSV)")
    compliance.add_argument("--image", required=True, help="image file (NIfTI, NRRD, ...)")
    compliance.add_argument("--mask", required=True, help="mask file on the image grid")
    compliance.add_argument(
        "--label", type=int, help="mask label of the ROI (default: the only one)"
    )
    compliance.add_argument("--out", required=True, help="filled table (CSV)")
    compliance.set_defaults(handler=_run_compliance)


def _run_extract(args: argparse.Namespace) -> int:
    from radiogenomics.features.batch import extract_batch
    from radiogenomics.features.settings import Settings

    settings = Settings.from_yaml(args.settings) if args.settings else Settings()
    table, errors = extract_batch(
        args.cases,
        settings,
        args.out,
        n_jobs=args.jobs,
        errors_out=args.errors,
        progress=not args.no_progress,
    )
    print(f"{len(table)} cases written to {args.out}; {len(errors)} failed")
    return 0 if errors.empty else 1


def _run_catalogue(args: argparse.Namespace) -> int:
    from radiogenomics.features.feature_catalogue import catalogue

    table = catalogue(args.aggregation, diagnostics=args.diagnostics)
    if args.out:
        from radiogenomics.features.compliance import write_table

        write_table(table, args.out)
    else:
        print(table.fillna("").to_string(index=False))
    return 0


def _run_compliance(args: argparse.Namespace) -> int:
    from radiogenomics.features.compliance import run_compliance, summarise, write_table

    table = run_compliance(args.config, args.reference, args.image, args.mask, args.label)
    write_table(table, args.out)
    counts = summarise(table)
    print(
        f"configuration {args.config}: {counts['matched']} of {counts['with_reference']} "
        f"features with a reference value match ({counts['computed']} computed); "
        f"table written to {args.out}"
    )
    return 0
