"""Time the radiogenomics feature engine against PyRadiomics and flash-radiomics.

Every engine runs in its own Python process on the same cases with the same settings:
no resampling, fixed bin width 25 with PyRadiomics' binning, 3D texture matrices at
distance 1 averaged over directions. The compared families are shape/morphology, first
order (intensity statistics and histogram), GLCM, GLRLM, GLSZM, GLDM/NGLDM and NGTDM.
A second row for this engine adds the families PyRadiomics lacks (local intensity, IVH,
GLDZM) and the merged texture aggregation: the full IBSI feature set.

Measured per engine and case:

* warm: median wall time of repeated extractions in one process, after one untimed run;
* fresh: wall time of a new process that imports the engine and extracts the case once,
  with the engines taking turns;
* peak memory: maximum resident set size of that fresh process.

PyRadiomics (PyPI ``pyradiomics-bhklab``), flash-radiomics and MIRP are not dependencies of
this project. Install them into a separate environment and pass its interpreter.
flash-radiomics 1.0.0 also needs scipy, h5py, scikit-learn and pandas, which it does not
declare::

    python -m venv /work/bench-venv
    /work/bench-venv/bin/pip install pyradiomics-bhklab flash-radiomics mirp scipy h5py \
        scikit-learn pandas pyyaml
    python benchmarks/feature_engine.py --peer-python /work/bench-venv/bin/python

MIRP runs with PyRadiomics' binning (``fixed_bin_size_pyradiomics``), one warm repetition
and one fresh process, because one extraction takes seconds. An engine that fails to run
is skipped with a message.

The module imports only the standard library at load time, so the peer interpreter can
run it as a worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENGINES = ("radiogenomics", "radiogenomics-full", "pyradiomics", "flash-radiomics", "mirp")
# MIRP takes seconds per case, so it gets fewer repetitions.
SLOW_ENGINES = ("mirp",)
MIRP_FAMILIES = (
    "morphology",
    "statistics",
    "intensity_histogram",
    "glcm",
    "glrlm",
    "glszm",
    "ngtdm",
    "ngldm",
)
PYRADIOMICS_CLASSES = ("shape", "firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
SAME_FAMILIES = ("morphology", "intensity", "histogram", "glcm", "glrlm", "glszm", "ngtdm", "ngldm")


def _cases(data_dir: Path) -> dict[str, tuple[Path, Path]]:
    ct = data_dir / "ibsi" / "ibsi_1_ct_radiomics_phantom" / "nifti"
    brain = data_dir / "pyradiomics"
    return {
        "brain1": (brain / "brain1_image.nrrd", brain / "brain1_label.nrrd"),
        "ct_phantom": (ct / "image" / "phantom.nii.gz", ct / "mask" / "mask.nii.gz"),
    }


def _make_extractor(engine: str):
    """Return a function (image, mask) -> number of features, importing the engine."""
    if engine.startswith("radiogenomics"):
        import radiogenomics as rg

        settings = {"discretisation": "pyradiomics", "bin_width": 25.0, "label": 1}
        if engine == "radiogenomics":
            settings.update(families=list(SAME_FAMILIES), texture_aggregation=["3d_avg"])
        else:
            settings.update(texture_aggregation=["3d_avg", "3d_mrg"])

        def run(image, mask):
            return len(rg.features.extract(image, mask, settings))

        return run

    if engine == "mirp":
        import logging
        import warnings

        import mirp

        warnings.filterwarnings("ignore")
        logging.disable(logging.INFO)
        options = dict(
            base_discretisation_method="fixed_bin_size_pyradiomics",
            base_discretisation_bin_width=25.0,
            ibsi_compliant=False,
            by_slice=False,
            feature_families=list(MIRP_FAMILIES),
            glcm_spatial_method="3d_average",
            glrlm_spatial_method="3d_average",
            glszm_spatial_method="3d",
            ngtdm_spatial_method="3d",
            ngldm_spatial_method="3d",
            num_cpus=1,
        )

        def run(image, mask):
            table = mirp.extract_features(image=str(image), mask=str(mask), **options)[0]
            return sum(
                1 for column in table.columns if not column.startswith(("sample_", "image_"))
            )

        return run

    if engine == "pyradiomics":
        import logging

        from radiomics import featureextractor

        logging.getLogger("radiomics").setLevel(logging.ERROR)
        extractor = featureextractor.RadiomicsFeatureExtractor(binWidth=25, label=1)
    else:
        from flash_radiomics import featureextractor

        extractor = featureextractor.RadiomicsFeatureExtractor(binWidth=25, label=1)
    extractor.disableAllFeatures()
    for name in PYRADIOMICS_CLASSES:
        extractor.enableFeatureClassByName(name)

    def run(image, mask):
        result = extractor.execute(str(image), str(mask))
        return sum(1 for key in result if not key.startswith("diagnostics_"))

    return run


def _worker(engine: str, image: str, mask: str, repeats: int) -> None:
    """Run inside the engine's interpreter and print one JSON line of timings."""
    started = time.perf_counter()
    run = _make_extractor(engine)
    feature_count = run(image, mask)
    first = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        tick = time.perf_counter()
        run(image, mask)
        warm.append(time.perf_counter() - tick)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "features": feature_count,
                "import_and_first_s": first,
                "warm_s": statistics.median(warm) if warm else None,
                "peak_mb": peak_kib / 1024,
            }
        )
    )


def _run_worker(python: str, engine: str, image: Path, mask: Path, repeats: int) -> dict:
    command = [
        python,
        __file__,
        "--worker",
        engine,
        "--image",
        str(image),
        "--mask",
        str(mask),
        "--repeats",
        str(repeats),
    ]
    tick = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - tick
    if completed.returncode != 0:
        raise RuntimeError(f"{engine} worker failed:\n{completed.stderr[-2000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=os.environ.get(
            "RADIOGENOMICS_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        ),
        help="data directory (default: $RADIOGENOMICS_DATA or ../shared/data)",
    )
    parser.add_argument(
        "--peer-python",
        default=sys.executable,
        help="interpreter with pyradiomics-bhklab and flash-radiomics installed",
    )
    parser.add_argument("--repeats", type=int, default=5, help="warm repetitions per case")
    parser.add_argument(
        "--fresh-runs",
        type=int,
        default=3,
        help="fresh processes per engine and case; the median is reported",
    )
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--image", help=argparse.SUPPRESS)
    parser.add_argument("--mask", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        _worker(args.worker, args.image, args.mask, args.repeats)
        return 0

    results = []
    for case, (image, mask) in _cases(Path(args.data_dir)).items():
        warm, fresh = {}, {}
        for engine in ENGINES:
            python = sys.executable if engine.startswith("radiogenomics") else args.peer_python
            repeats = 1 if engine in SLOW_ENGINES else args.repeats
            try:
                warm[engine] = _run_worker(python, engine, image, mask, repeats)
            except RuntimeError as error:
                print(f"{case}: {engine} skipped: {str(error).splitlines()[0]}", flush=True)
                continue
            fresh[engine] = []

        # Fresh processes take turns across engines, so that a change of machine load
        # during the run affects every engine alike.
        for round_number in range(args.fresh_runs):
            for engine in fresh:
                if engine in SLOW_ENGINES and round_number > 0:
                    continue
                python = sys.executable if engine.startswith("radiogenomics") else args.peer_python
                fresh[engine].append(_run_worker(python, engine, image, mask, 0))

        for engine, runs in fresh.items():
            row = {
                "case": case,
                "engine": engine,
                "features": warm[engine]["features"],
                "warm_s": warm[engine]["warm_s"],
                "fresh_process_s": statistics.median(f["process_wall_s"] for f in runs),
                "fresh_peak_mb": statistics.median(f["peak_mb"] for f in runs),
            }
            results.append(row)
            print(
                f"{case:11s} {engine:19s} features {row['features']:4d}  warm "
                f"{row['warm_s']:.3f} s  fresh process {row['fresh_process_s']:.3f} s  "
                f"peak {row['fresh_peak_mb']:.0f} MB",
                flush=True,
            )

    for case in _cases(Path(args.data_dir)):
        timings = {r["engine"]: r for r in results if r["case"] == case}
        ours = timings["radiogenomics"]["warm_s"]
        for peer in ("pyradiomics", "flash-radiomics", "mirp"):
            if peer in timings:
                ratio = timings[peer]["warm_s"] / ours
                print(f"{case}: warm speed-up over {peer}: {ratio:.2f}x")
    if args.out:
        args.out.write_text(json.dumps({"cpu_count": os.cpu_count(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
