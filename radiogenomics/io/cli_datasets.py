"""The ``radiogenomics datasets`` commands: list, verify and describe registered datasets."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add ``datasets list|verify|checksum`` to the ``radiogenomics`` parser."""
    parser = subparsers.add_parser(
        "datasets",
        help="list registered datasets and verify their files",
        description="Registered datasets are described by the manifests in data_manifests/. "
        "Files are looked up in --data-dir, then RADIOGENOMICS_DATA, then the user cache.",
    )
    commands = parser.add_subparsers(dest="datasets_command", metavar="COMMAND", required=True)

    listing = commands.add_parser(
        "list", help="show every registered dataset with its licence and file count",
        description="Show every registered dataset: name, title, licence, number of files.",
    )
    listing.set_defaults(handler=_list)

    verify = commands.add_parser(
        "verify",
        help="check that every file of the datasets is present with the right sha256",
        description="Check every file of the named datasets (all when none is named) and "
        "print one line per dataset; exit status 1 when a file is missing or corrupt.",
    )
    verify.add_argument("names", nargs="*", help="dataset names (default: all)")
    verify.add_argument("--data-dir", help="data root searched before RADIOGENOMICS_DATA")
    verify.add_argument("--verbose-files", action="store_true",
                        help="print every file, not only problems")
    verify.set_defaults(handler=_verify)

    checksum = commands.add_parser(
        "checksum",
        help="print manifest 'files' entries (path, sha256, size) for a folder",
        description="Print the YAML 'files' list of a new manifest for every file under "
        "FOLDER, to register a dataset.",
    )
    checksum.add_argument("folder", help="the dataset folder")
    checksum.set_defaults(handler=_checksum)


def _list(args) -> int:
    from radiogenomics.io.registry import list_datasets

    for dataset in list_datasets():
        print(f"{dataset.name:26s} {len(dataset.files):4d} files  {dataset.title}")
        print(f"{'':26s} licence: {dataset.licence}")
    return 0


def _verify(args) -> int:
    from radiogenomics.io.registry import list_datasets, verify_dataset

    names = args.names or [dataset.name for dataset in list_datasets()]
    failures = 0
    for name in names:
        report = verify_dataset(name, data_dir=args.data_dir)
        problems = report[report["status"] != "ok"]
        failures += len(problems)
        line = f"{name}: {len(report) - len(problems)}/{len(report)} files ok"
        print(line if problems.empty else f"{line}, {len(problems)} problem(s)")
        shown = report if args.verbose_files else problems
        for row in shown.itertuples():
            print(f"  {row.status:8s} {row.file}")
        corrupt = problems[problems["status"] == "corrupt"]
        for row in corrupt.itertuples():
            print(f"    {row.message}")
        if (problems["status"] == "missing").any():
            first = problems[problems["status"] == "missing"].iloc[0]
            print(f"    for example: {first['message']}")
    return 1 if failures else 0


def _checksum(args) -> int:
    import yaml

    from radiogenomics.io.registry import describe_folder

    print(yaml.safe_dump({"files": describe_folder(args.folder)}, sort_keys=False), end="")
    return 0
