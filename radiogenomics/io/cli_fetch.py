"""Commands ``fetch tcia|idc|gdc|cbioportal`` and ``convert``.

Only :mod:`argparse` is imported at load time; each handler imports the client it drives.
"""

from __future__ import annotations

import argparse

from radiogenomics.io.endpoints import CBIOPORTAL_BASE_URL, GDC_BASE_URL, TCIA_BASE_URL


def register(subparsers) -> None:
    """Add the ``fetch`` and ``convert`` commands to the ``radiogenomics`` parser."""
    _register_convert(subparsers)
    _register_fetch(subparsers)


def _register_convert(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a DICOM series and its RTSTRUCT or SEG to NIfTI",
        description="Read one DICOM image series (slices sorted along the slice normal, "
        "rescaled to output units such as HU) and write OUT/image.nii.gz, plus one "
        "OUT/mask_<name>.nii.gz per RTSTRUCT ROI or SEG segment on the same grid.",
    )
    parser.add_argument("dicom_dir", metavar="DICOM_DIR", help="folder with the image slices")
    masks = parser.add_mutually_exclusive_group()
    masks.add_argument("--rtstruct", metavar="FILE", help="RT Structure Set to rasterise")
    masks.add_argument("--seg", metavar="FILE", help="DICOM Segmentation to read")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--series-uid",
        metavar="UID",
        help="Series Instance UID to read when DICOM_DIR contains several series",
    )
    parser.add_argument(
        "--allow-missing-slices",
        action="store_true",
        help="fill missing slices with the series minimum instead of stopping",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out folder that contains only an earlier convert output "
        "(image.nii.gz, mask_*.nii.gz); the new files replace the folder whole",
    )
    parser.set_defaults(handler=_run_convert)


def _run_convert(args: argparse.Namespace) -> int:
    from radiogenomics.io.convert import convert_dicom

    written = convert_dicom(
        args.dicom_dir,
        args.out,
        rtstruct=args.rtstruct,
        seg=args.seg,
        series_uid=args.series_uid,
        allow_missing_slices=args.allow_missing_slices,
        overwrite=args.overwrite,
    )
    for path in written:
        print(path)
    return 0


def _register_fetch(subparsers) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="download or query public archives (TCIA, IDC, GDC, cBioPortal)",
        description="Fetch cohort data from public archives into local files.",
    )
    archives = parser.add_subparsers(dest="archive", metavar="ARCHIVE")
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)
    _register_fetch_tcia(archives)
    _register_fetch_idc(archives)
    _register_fetch_gdc(archives)
    _register_fetch_cbioportal(archives)
    _register_fetch_cohort(archives)


def _add_network_options(parser: argparse.ArgumentParser, default_url: str) -> None:
    parser.add_argument(
        "--base-url", default=default_url, help=f"API root URL (default {default_url})"
    )
    _add_timeout_options(parser)


def _add_timeout_options(parser: argparse.ArgumentParser) -> None:
    # The rate repeats radiogenomics.io.http.MIN_DOWNLOAD_RATE, which imports requests; the
    # tests check that both agree.
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=60.0,
        help="seconds allowed for each attempt of a request: to connect, for each read, and "
        "for a whole JSON response from sending the request to its last byte; a file "
        "download may take longer but is stopped below 1024 bytes/s over this many seconds "
        "(60)",
    )
    parser.add_argument(
        "--retries",
        type=_non_negative_int,
        default=4,
        help="retries of a failed attempt, with exponential backoff (4)",
    )


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive seconds, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _add_output_file_options(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--out", required=True, metavar="FILE", help=help_text)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")


def _check_output_files(paths, overwrite: bool) -> None:
    """Raise :class:`OutputExistsError` unless every path may be written.

    A path may be written when it does not exist, or when it is a file and ``overwrite`` is
    set. The check runs before any request, so that a refused output costs no download.
    """
    from pathlib import Path

    from radiogenomics.io.exceptions import OutputExistsError

    for path in map(Path, paths):
        if path.is_dir():
            raise OutputExistsError(f"--out {path} is a folder; give a file path")
        if path.exists() and not overwrite:
            raise OutputExistsError(
                f"--out {path} already exists; choose another path or pass --overwrite to "
                "replace it"
            )


def _register_fetch_tcia(archives) -> None:
    parser = archives.add_parser(
        "tcia",
        help="download TCIA series listed in a .tcia manifest or by Series Instance UID",
        description="Download DICOM series from the TCIA NBIA v4 API into OUT/<SeriesUID>/. "
        "Series already complete (instance count checked) are skipped, so a rerun resumes. "
        "A report of every series (downloaded, skipped, failed) is written to "
        "OUT/download_report.csv; the exit code is 1 when any series failed.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--manifest", metavar="FILE", help=".tcia manifest to download")
    source.add_argument("--metadata", metavar="FILE", help="NBIA Data Retriever metadata.csv")
    source.add_argument("--series-uid", nargs="+", metavar="UID", help="Series Instance UIDs")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--workers", type=_positive_int, default=4, help="series downloaded at the same time (4)"
    )
    _add_network_options(parser, TCIA_BASE_URL)
    parser.set_defaults(handler=_run_fetch_tcia)


def _run_fetch_tcia(args: argparse.Namespace) -> int:
    from pathlib import Path

    from radiogenomics.io.tcia import TciaClient, read_manifest, read_nbia_metadata

    if args.manifest:
        series = read_manifest(args.manifest).series_uids
    elif args.metadata:
        series = read_nbia_metadata(args.metadata)["series_uid"].tolist()
    else:
        series = args.series_uid
    client = TciaClient(args.base_url, timeout=args.timeout, retries=args.retries)
    report = client.download_series(series, args.out, raise_on_error=False, workers=args.workers)
    report_path = Path(args.out) / "download_report.csv"
    _write_table(report.set_index("series_uid"), report_path)
    print(report["status"].value_counts().to_string())
    print(report_path)
    return 1 if (report["status"] == "failed").any() else 0


def _register_fetch_idc(archives) -> None:
    parser = archives.add_parser(
        "idc",
        help="select Imaging Data Commons series offline and write a dataset manifest",
        description="Query the idc-index parquet shipped by the idc-index-data package "
        "(no network) and write the selected series as a dataset manifest (YAML) with "
        "licences and citations. Either name a prepared query or give an SQL statement over "
        "the table `index`.",
    )
    query = parser.add_mutually_exclusive_group(required=True)
    query.add_argument(
        "--query",
        choices=["tcga-brca-mr", "nsclc-radiomics-ct-rt"],
        help="prepared query: TCGA-BRCA MR series, or NSCLC-Radiomics CT series with an "
        "RTSTRUCT or SEG of the same patient",
    )
    query.add_argument("--sql", metavar="SQL", help="DuckDB SQL over the table `index`")
    parser.add_argument("--name", default=None, help="dataset name written in the manifest")
    _add_output_file_options(
        parser, "manifest path (.yaml); the series list goes beside it as <stem>.series.csv"
    )
    parser.add_argument(
        "--download",
        metavar="DIR",
        help="also download the selected series into DIR with idc-index (needs network access)",
    )
    parser.set_defaults(handler=_run_fetch_idc)


def _run_fetch_idc(args: argparse.Namespace) -> int:
    from pathlib import Path

    from radiogenomics.io import idc

    manifest = Path(args.out)
    _check_output_files(
        [manifest, manifest.with_name(f"{manifest.stem}.series.csv")], args.overwrite
    )
    if args.query == "tcga-brca-mr":
        selection = idc.tcga_brca_mr_series()
    elif args.query == "nsclc-radiomics-ct-rt":
        selection = idc.nsclc_radiomics_ct_with_segmentation()
    else:
        selection = idc.query(args.sql)
    name = args.name or (args.query or "idc_selection").replace("-", "_")
    path = idc.write_manifest(selection, args.out, name=name)
    print(f"{selection['PatientID'].nunique()} patients, {len(selection)} series")
    print(path)
    if args.download:
        print(idc.download(selection["SeriesInstanceUID"].tolist(), args.download))
    return 0


def _register_fetch_gdc(archives) -> None:
    parser = archives.add_parser(
        "gdc",
        help="download a GDC project's clinical table or STAR gene counts",
        description="Query the NCI GDC API (/cases, /files, /data). `clinical` writes one row "
        "per case; `star-counts` downloads the STAR - Counts files of the project's primary "
        "tumours and writes a genes x samples matrix (unstranded counts or TPM).",
    )
    parser.add_argument("what", choices=["clinical", "star-counts"], help="table to fetch")
    parser.add_argument("--project", required=True, help="GDC project id, e.g. TCGA-BRCA")
    parser.add_argument(
        "--value",
        choices=["unstranded", "tpm_unstranded", "fpkm_unstranded"],
        default="unstranded",
        help="STAR column to assemble (default unstranded counts)",
    )
    parser.add_argument("--cache", metavar="DIR", default=None, help="folder for downloaded files")
    parser.add_argument(
        "--limit",
        type=_positive_int,
        default=None,
        help="download only the first N STAR files, N >= 1 (for `star-counts`; default all)",
    )
    _add_output_file_options(parser, "output table (.csv, or .tsv/.txt for tab-separated)")
    _add_network_options(parser, GDC_BASE_URL)
    parser.set_defaults(handler=_run_fetch_gdc)


def _run_fetch_gdc(args: argparse.Namespace) -> int:
    from radiogenomics.io.gdc import GdcClient

    _check_output_files([args.out], args.overwrite)
    client = GdcClient(args.base_url, timeout=args.timeout, retries=args.retries)
    if args.what == "clinical":
        table = client.clinical(args.project)
    else:
        table = client.star_counts(
            args.project, value=args.value, cache_dir=args.cache, limit=args.limit
        )
    print(_write_table(table, args.out))
    return 0


def _register_fetch_cbioportal(archives) -> None:
    parser = archives.add_parser(
        "cbioportal",
        help="download a cBioPortal study's clinical data or molecular profile",
        description="Query the cBioPortal REST API. `clinical` writes one row per sample with "
        "sample and patient attributes (e.g. SUBTYPE for PAM50); `molecular` writes a genes x "
        "samples matrix of one molecular profile.",
    )
    parser.add_argument("what", choices=["clinical", "molecular"], help="table to fetch")
    parser.add_argument(
        "--study", required=True, help="study id, e.g. brca_tcga_pan_can_atlas_2018"
    )
    parser.add_argument("--profile", help="molecular profile id (for `molecular`)")
    parser.add_argument("--genes", nargs="+", help="Hugo gene symbols (for `molecular`)")
    _add_output_file_options(parser, "output table (.csv, or .tsv/.txt for tab-separated)")
    _add_network_options(parser, CBIOPORTAL_BASE_URL)
    parser.set_defaults(handler=_run_fetch_cbioportal)


def _run_fetch_cbioportal(args: argparse.Namespace) -> int:
    from radiogenomics.io.cbioportal import CbioportalClient
    from radiogenomics.io.exceptions import ArchiveError

    if args.what == "molecular" and (not args.profile or not args.genes):
        raise ArchiveError("`fetch cbioportal molecular` needs --profile and --genes")
    _check_output_files([args.out], args.overwrite)
    client = CbioportalClient(args.base_url, timeout=args.timeout, retries=args.retries)
    if args.what == "clinical":
        table = client.clinical_data(args.study)
    else:
        table = client.molecular_data(args.profile, args.genes)
    print(_write_table(table, args.out))
    return 0


def _register_fetch_cohort(archives) -> None:
    parser = archives.add_parser(
        "cohort",
        help="assemble a cohort from archive identifiers (IDC images, cBioPortal, GDC)",
        description="Read an archive cohort file (YAML, e.g. workflows/tcga_brca_archive.yaml), "
        "select the image series from the IDC index, fetch subtypes from cBioPortal and STAR "
        "counts from GDC, align them on the TCGA patient barcode and write image_series.csv, "
        "subtypes.csv, expression.parquet, cohort.csv and dropped.csv to OUT.",
    )
    parser.add_argument("spec", metavar="COHORT_FILE", help="archive cohort file (YAML)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--gdc-url", help="GDC API root (overrides the file's network.gdc)")
    parser.add_argument(
        "--cbioportal-url", help="cBioPortal API root (overrides the file's network.cbioportal)"
    )
    _add_timeout_options(parser)
    parser.set_defaults(handler=_run_fetch_cohort)


def _run_fetch_cohort(args: argparse.Namespace) -> int:
    from radiogenomics.io.archive_cohort import assemble_archive_cohort

    result = assemble_archive_cohort(
        args.spec,
        args.out,
        gdc_url=args.gdc_url,
        cbioportal_url=args.cbioportal_url,
        timeout=args.timeout,
        retries=args.retries,
    )
    print(f"{len(result.cohort)} patients with images")
    for path in result.files:
        print(path)
    return 0


def _write_table(table, path) -> str:
    """Write a table as CSV, or TSV for a ``.tsv``/``.txt`` suffix, atomically."""
    from pathlib import Path

    from radiogenomics.io.atomic import atomic_file

    path = Path(path)
    separator = "\t" if path.suffix.lower() in {".tsv", ".txt"} else ","
    with atomic_file(path) as temporary:
        table.to_csv(temporary, sep=separator)
    return str(path)
