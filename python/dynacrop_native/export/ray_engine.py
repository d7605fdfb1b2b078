"""`crop --engine ray`: the export's per-image work (run.crop_image: read, decode, crop, write)
run as a Ray Data pipeline. The driver plans names and writes crops.json as the local engine
does; the rows it sends carry one image's work and names each, so the object store holds only
annotations and results, never pixels: every worker reads its images from --images and writes
its crops into --out itself (both paths every node sees).

Faults: a map task whose worker dies is run again by Ray (`max_retries`); the files it had
written are rewritten under the same names with the same bytes (atomic renames), so each crop
ends up written once, and hidden temporary files a killed write left are removed before the
manifest is written. When Ray gives up, the run ends with an ExportError and no manifest.
A stop (SIGINT/SIGTERM on the driver) reaches the workers through a flag file in --out."""

from __future__ import annotations

import math
import os
import pickle
import secrets
import signal
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from .output import TEMP_PREFIX, TEMP_SUFFIX, OutputFolder
from .problems import ExportError, show

if TYPE_CHECKING:
    from . import coco
    from .run import ImageResult, Options, Stop

MAX_RETRIES = 3  # runs of a map task again after its worker died (Ray's own retry; exceptions are not retried)
IMAGES_PER_TASK = 8  # small tasks: a retry redoes little, and N nodes share the work evenly
# Test hook: "INDEX:TIMES:MARKER" makes the worker that finishes image INDEX leave a half-written
# temporary file and die (os._exit), TIMES times in all (MARKER counts them). Read on the driver only.
TEST_EXIT_ENV = "DYNACROP_RAY_TEST_EXIT"


def run_on_ray(images: list[coco.ImageWork], names: dict[int, str], images_dir: Path, folder: OutputFolder,
               opts: Options, progress: bool | None, stop: Stop) -> list[ImageResult]:
    """run.crop_image for every image on the Ray cluster (opts.ray_address, or a local one
    started here); results in image order, as run.run_pool gives them."""
    from .run import progress_bar

    if not images:
        return []
    ray = import_ray()
    flag = os.path.join(folder.real, f"{TEMP_PREFIX}stop-{secrets.token_hex(4)}{TEMP_SUFFIX}")
    with _connected(ray, opts.ray_address):
        # The local engine's bar (images done, as results arrive): Ray Data's own bars did not
        # render on a terminal with Ray 2.60 here, and two kinds of bars would be one too many.
        context = ray.data.DataContext.get_current()
        shown_bars, context.enable_progress_bars = context.enable_progress_bars, False  # the caller's, restored
        bar = progress_bar(len(images), progress)
        rows = [{"index": i, "work": pickle.dumps((work, {a.index: names[a.index] for a in work.annotations}))}
                for i, work in enumerate(images)]
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        blocks = min(len(rows), max(4 * cpus, math.ceil(len(rows) / IMAGES_PER_TASK)))
        job = {"cwd": os.getcwd(), "images_dir": str(images_dir), "out": str(folder.root), "opts": opts,
               "flag": flag, "test_exit": os.environ.get(TEST_EXIT_ENV)}
        with warnings.catch_warnings():
            # Ray Data retries a task whose worker died without limit by default; the bound is a
            # remote argument, which map_batches still takes (with a deprecation notice).
            warnings.simplefilter("ignore", DeprecationWarning)
            ds = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
                _crop_batch, fn_kwargs={"job": job}, batch_size=None, batch_format="numpy", num_cpus=1,
                max_retries=MAX_RETRIES)
        results: list[Any] = [None] * len(images)
        try:
            for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
                for index, result in zip(batch["index"].tolist(), batch["result"]):
                    results[index] = pickle.loads(result)
                bar.update(len(batch["index"]))
                if stop() and not os.path.exists(flag):
                    _touch(flag)  # the workers' Stop: queued images then return at once, untouched
        except Exception as e:  # Ray gave up (retries exhausted, cluster lost): no manifest claims the run done
            raise ExportError(f"--engine ray: the pipeline failed ({type(e).__name__}: {show(_first_line(e), 300)}); "
                              f"{show(str(folder.root))} holds the crops written so far and no manifest") from None
        finally:
            context.enable_progress_bars = shown_bars
            bar.close()
            folder.remove_temporary()
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:  # Ray Data returned fewer rows than it was given: never a silently short manifest
        raise ExportError(f"--engine ray: no result for {len(missing)} images (e.g. {show(images[missing[0]].file_name)})")
    return results


def _crop_batch(batch: dict[str, np.ndarray], job: dict) -> dict[str, np.ndarray]:
    """On a worker: run.crop_image for each row; relative paths as the driver gave them, so every
    message names paths exactly as the local engine does."""
    from .run import crop_image

    if not (os.path.isabs(job["images_dir"]) and os.path.isabs(job["out"])) and os.getcwd() != job["cwd"]:
        os.chdir(job["cwd"])  # this job's worker process: relative --images/--out resolved as on the driver
    folder = OutputFolder(Path(job["out"]))
    stop = _FlagStop(job["flag"])
    out = []
    for index, data in zip(batch["index"].tolist(), batch["work"]):
        work, names = pickle.loads(data)
        result = crop_image(work, names, Path(job["images_dir"]), folder, job["opts"], 1, stop)
        if job["test_exit"]:
            _test_exit(job["test_exit"], index, folder, names)
        out.append(pickle.dumps(result))
    column = np.empty(len(out), dtype=object)
    column[:] = out
    return {"index": batch["index"], "result": column}


class _FlagStop:
    """The driver's stop, seen by a worker: the flag file exists."""

    def __init__(self, path: str):
        self.path = path

    def __call__(self) -> bool:
        return os.path.exists(self.path)


def _test_exit(spec: str, index: int, folder: OutputFolder, names: dict[int, str]) -> None:
    target, times, marker = spec.split(":", 2)
    if index != int(target) or not names or (os.path.exists(marker) and os.path.getsize(marker) >= int(times)):
        return
    with open(marker, "ab") as f:
        f.write(b"x")
    # What a kill in the middle of OutputFolder.write leaves: a hidden temporary file.
    parent = os.path.dirname(folder.path(next(iter(names.values()))))
    with open(os.path.join(parent, f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"), "wb") as f:
        f.write(b"partial")
    os._exit(1)


def _touch(path: str) -> None:
    with open(path, "wb"):
        pass


def _first_line(e: BaseException) -> str:
    lines = [line for line in str(e).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ExportError("--engine ray: Ray is not installed (python -m pip install 'dynacrop_native[ray]')") from None
    return ray


@contextmanager
def _connected(ray: Any, address: str | None) -> Iterator[None]:
    """Connected to the cluster at `address`, or to a new local one started here (and shut down
    after; "local": not Ray's default of joining the last cluster started on this machine or
    RAY_ADDRESS); a connection the caller already holds is used as it is. Ray's own SIGINT/SIGTERM
    handlers are replaced by the export's again, so a signal still stops the run cleanly."""
    if ray.is_initialized():
        yield
        return
    ours = threading.current_thread() is threading.main_thread()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)} if ours else {}
    try:
        ray.init(address=address or "local", include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    except Exception as e:  # e.g. nothing listens at --ray-address
        raise ExportError(f"--ray-address: cannot connect to Ray at {show(str(address))} ({show(_first_line(e), 200)})"
                          if address else f"--engine ray: cannot start a local Ray cluster ({show(_first_line(e), 200)})"
                          ) from None
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    try:
        yield
    finally:
        ray.shutdown()
