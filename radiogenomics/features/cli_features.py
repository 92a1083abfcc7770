"""Commands ``features extract``, ``features dce``, ``features catalogue``, ``ibsi compliance``."""

from __future__ import annotations

import argparse
import errno
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

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

    _register_dce(commands)

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
    catalogue.add_argument(
        "--out", help="write the catalogue to this file (.parquet, otherwise CSV) instead of "
        "printing it"
    )
    catalogue.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out file"
    )
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
    compliance.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out file"
    )
    compliance.set_defaults(handler=_run_compliance)


def _check_jobs(jobs: int) -> None:
    """Raise unless ``--jobs`` is a positive number of workers or -1 (every core)."""
    from radiogenomics.errors import RadiogenomicsError

    if jobs == 0 or jobs < -1:
        raise RadiogenomicsError(
            f"--jobs {jobs} is not a number of workers; give 1 or more, or -1 for every core"
        )


def _run_extract(args: argparse.Namespace) -> int:
    from radiogenomics.features.batch import extract_batch
    from radiogenomics.features.settings import Settings

    _check_jobs(args.jobs)

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


def _register_dce(commands) -> None:
    dce = commands.add_parser(
        "dce",
        help="compute the 36 DCE-MRI lesion phenotypes of many cases",
        description="Segment each lesion of a cases file by fuzzy c-means (or take its mask) "
        "and compute the 36 DCE-MRI phenotypes: kinetics K1-K7, enhancement-variance E1-E4, "
        "texture T1-T14, geometry G1-G3, margin M1-M3 and size S1-S5. The table has one row "
        "per patient. Cases that fail (missing file, no lesion found) are listed with their "
        "error message in an errors table beside the output (phenotypes_errors.csv for "
        "--out phenotypes.csv), and the other cases go on. Both files are written whole "
        "or not at all. The exit code is 1 when a case failed.",
        epilog="Cases file columns: patient; frames (image files separated by ';', "
        "pre-contrast first) with times (seconds, separated by ';'), or dicom (a folder); "
        "and one of seed (\"z,y,x\" voxel index), box (\"z0,z1,y0,y1,x0,x1\", "
        "end-exclusive) or mask (an image file on the DCE grid). Relative paths start from "
        "the folder of the cases file. Settings left out keep the defaults of "
        "radiogenomics.features.dce.compute_dce_phenotypes.",
    )

    dce.add_argument(
        "--cases", required=True, metavar="CSV",
        help="cases file (CSV), one line per patient and lesion",
    )
    dce.add_argument(
        "--out", required=True, metavar="FILE", help="phenotype table to write, .csv or .parquet"
    )
    dce.add_argument(
        "--jobs", type=int, default=1, metavar="N",
        help="worker processes; -1 uses every core (default 1)",
    )
    dce.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing table and errors file (by default they are kept and the "
        "command stops)",
    )

    settings = dce.add_argument_group("phenotype settings")
    settings.add_argument(
        "--fuzziness", type=float, metavar="M", help="fuzzy c-means exponent m, above 1 (default 2)"
    )
    settings.add_argument(
        "--threshold",
        dest="membership_threshold",
        type=float,
        metavar="P",
        help="lesion membership above which a voxel belongs to the lesion, in (0, 1) "
        "(default 0.5)",
    )
    settings.add_argument(
        "--roi-radius",
        dest="roi_radius_mm",
        type=float,
        metavar="MM",
        help="half-width in mm of the region segmented around a seed (default 40); a "
        "segmentation that looks like split background is retried with the half-width halved, "
        "down to 5 mm",
    )
    settings.add_argument(
        "--kinetic-clusters",
        type=int,
        metavar="N",
        help="fuzzy c-means clusters of the voxels' enhancement curves (default 4)",
    )
    settings.add_argument(
        "--gray-levels",
        type=int,
        metavar="N",
        help="gray levels of the texture quantisation (default 32)",
    )
    settings.add_argument(
        "--first-postcontrast-time",
        type=float,
        metavar="SECONDS",
        help="kinetic-clock time in s of the first post-contrast frame (default 60)",
    )
    settings.add_argument(
        "--random-state",
        type=int,
        metavar="SEED",
        help="seed of every fuzzy c-means initialisation (default 0)",
    )

    dce.set_defaults(handler=_run_dce)


DCE_SETTING_OPTIONS = (
    "fuzziness",
    "membership_threshold",
    "roi_radius_mm",
    "kinetic_clusters",
    "gray_levels",
    "first_postcontrast_time",
    "random_state",
)


def _run_dce(args: argparse.Namespace) -> int:
    from radiogenomics.errors import RadiogenomicsError
    from radiogenomics.features.dce.batch import compute_dce_phenotype_table
    from radiogenomics.features.dce.cases import read_dce_cases, resolve_dce_settings

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise RadiogenomicsError(
            f"--out {out} must end in .csv or .parquet, the two table formats written"
        )
    _check_jobs(args.jobs)
    errors_out = out.with_name(f"{out.stem}_errors.csv")
    _check_output_files([out, errors_out], args.overwrite)
    for path in (out, errors_out):
        if path.resolve() == Path(args.cases).resolve():
            raise RadiogenomicsError(
                f"--out would write {path} over the cases file; choose another --out"
            )

    chosen_settings = {name: getattr(args, name) for name in DCE_SETTING_OPTIONS
                       if getattr(args, name) is not None}
    settings = resolve_dce_settings(chosen_settings)
    cases = read_dce_cases(args.cases)
    logger.info("computing DCE phenotypes of %d case(s) with %s", len(cases), settings)
    table = compute_dce_phenotype_table(cases, n_jobs=args.jobs, **settings)

    import pandas as pd

    errors = pd.DataFrame(
        list(table.attrs["failed"].items()), columns=["patient", "message"]
    )
    _write_atomic(table, out, index=True)
    _write_atomic(errors, errors_out, index=False)
    logger.info(
        "%d of %d case(s) phenotyped, written to %s; %d dropped, listed in %s",
        len(table), len(cases), out, len(errors), errors_out,
    )
    if table.empty:
        logger.error("no case could be phenotyped; read %s for the reasons", errors_out)
    return 0 if errors.empty else 1


def _write_atomic(table, path: Path, index: bool) -> None:
    """Write a table to a temporary file beside ``path``, then rename it to ``path``."""
    from radiogenomics.io.atomic import atomic_file

    with atomic_file(path) as temporary:
        if path.suffix.lower() == ".parquet":
            table.to_parquet(temporary, index=index)
        else:
            table.to_csv(temporary, index=index, lineterminator="\n")


def _check_output_files(paths, overwrite: bool) -> None:
    """Raise unless every path can be written: a new file, or an old one with ``overwrite``.

    The paths are given by ``--out``; errors name it so the user knows which flag to change.
    A missing folder is created when the file is written, as ``features extract`` does.
    """
    for path in map(Path, paths):
        if path.is_dir():
            raise FileExistsError(f"{path} is a folder; choose a file name for --out")
        if path.exists() and not overwrite:
            raise FileExistsError(
                f"{path} already exists; choose another --out or pass --overwrite to replace it"
            )
        existing = next(folder for folder in path.absolute().parents if folder.exists())
        if not existing.is_dir():
            raise FileExistsError(
                f"{existing} is a file, so --out {path} cannot be created inside it"
            )
        # Checked before the computation, so a read-only folder fails in seconds.
        if not os.access(existing, os.W_OK):
            raise PermissionError(errno.EACCES, "no permission to write", str(existing))


def _run_catalogue(args: argparse.Namespace) -> int:
    from radiogenomics.features.feature_catalogue import catalogue

    if args.out:
        _check_output_files([args.out], args.overwrite)
    table = catalogue(args.aggregation, diagnostics=args.diagnostics)
    if args.out:
        _write_atomic(table, Path(args.out), index=False)
    else:
        print(table.fillna("").to_string(index=False))
    return 0


def _run_compliance(args: argparse.Namespace) -> int:
    from radiogenomics.features.compliance import run_compliance, summarise, write_table

    _check_output_files([args.out], args.overwrite)
    table = run_compliance(args.config, args.reference, args.image, args.mask, args.label)
    write_table(table, args.out)
    counts = summarise(table)
    print(
        f"configuration {args.config}: {counts['matched']} of {counts['with_reference']} "
        f"features with a reference value match ({counts['computed']} computed); "
        f"table written to {args.out}"
    )
    return 0
