"""The export CLI on hostile datasets: the real command (`python -m dynacrop_native crop`) run on
datasets generated in a temporary folder. Afterwards nothing exists outside --out that was not
there before, the manifest equals the files on disk, every annotation is written or skipped
with its reason, and the exit code and message are right."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")
from export_cases import CASES, WRITTEN, Dataset, H, W, picture, png_bytes, render  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dynacrop_native.export import MANIFEST, Options, export  # noqa: E402
from dynacrop_native.export.output import CropNames, component  # noqa: E402
from dynacrop_native.export.images import read_image, upright  # noqa: E402


def crop_cli(*args, umask=0o022, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dynacrop_native", "crop", "--no-progress", *map(str, args)],
                          capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(umask), **kw)


def tree(root: Path, skip: Path | None = None) -> set[str]:
    """Every path under `root` (links listed, not followed), except `skip` and what it holds."""
    found = set()
    for parent, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if skip is None or Path(parent, d) != skip]
        found.update(os.path.join(parent, n) for n in dirs + files)
    return found


def files_in(out: Path) -> set[str]:
    return {os.path.relpath(p, out) for p in tree(out) if not os.path.isdir(p) or os.path.islink(p)}


def manifest_of(out: Path) -> dict:
    """The manifest, after checking that it lists exactly the files in the folder."""
    manifest = json.loads((out / MANIFEST).read_text())
    assert files_in(out) == {e["file"] for e in manifest["crops"]} | {MANIFEST}
    assert manifest["written"] == len(manifest["crops"]) == len({e["file"] for e in manifest["crops"]})
    return manifest


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every case of export_cases.CASES in one dataset, exported once by the real command."""
    root = tmp_path_factory.mktemp("hostile")
    data = Dataset(root / "data")
    owned = {}
    for case in CASES:
        first = len(data.coco["annotations"])
        case.build(data)
        owned[case.label] = range(first, len(data.coco["annotations"]))
        assert owned[case.label], case.label
    coco = data.save()
    out = root / "out"
    base = tmp_path_factory.getbasetemp()
    escaped = Path("/tmp/escaped")
    before, existed = tree(base), escaped.exists()
    proc = crop_cli("--coco", coco, "--images", data.images, "--out", out, "--mask-opacity", "1", cwd=data.images)
    return SimpleNamespace(proc=proc, before=before, after=tree(base, skip=out), out=out, owned=owned,
                           escaped=(existed, escaped.exists()), total=len(data.coco["annotations"]))


def test_hostile_dataset_runs_to_the_end(hostile):
    assert hostile.proc.returncode == 0, hostile.proc.stderr
    assert "Traceback" not in hostile.proc.stderr
    manifest = manifest_of(hostile.out)
    assert hostile.proc.stdout.startswith(f"wrote {manifest['written']} crops to ")
    assert manifest["interrupted"] is None and manifest["not_done"] == 0


def test_nothing_exists_outside_out_that_was_not_there_before(hostile):
    assert hostile.after == hostile.before
    assert hostile.escaped[1] == hostile.escaped[0]


def test_every_annotation_is_written_or_skipped_once(hostile):
    manifest = manifest_of(hostile.out)
    done = [e["annotation_index"] for e in manifest["crops"]]
    done += [s["annotation_index"] for s in manifest["skipped_items"] if s["annotation_index"] is not None]
    assert sorted(done) == list(range(hostile.total))
    assert manifest["not_done"] == 0


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_case_outcome(hostile, case):
    manifest = json.loads((hostile.out / MANIFEST).read_text())
    written = {e["annotation_index"]: e for e in manifest["crops"]}
    skipped = {s["annotation_index"]: s for s in manifest["skipped_items"]}
    for index in hostile.owned[case.label]:
        if case.outcome in WRITTEN:
            assert index in written, skipped.get(index)
        else:
            assert skipped[index]["reason"] == case.outcome, skipped[index]


def test_written_names_are_safe_and_unique(hostile):
    names = files_in(hostile.out)
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        for part in name.split("/"):
            assert part and not part.startswith(".") and "\0" not in part and len(part.encode()) <= 255
    assert len(names) > 40


def test_files_get_the_usual_permissions(hostile):
    for name in files_in(hostile.out):
        assert stat.S_IMODE(os.stat(hostile.out / name).st_mode) == 0o644, name


def test_reported_paths_and_values_are_printable(hostile):
    out = hostile.proc.stdout
    assert "\x1b" not in out and "\0" not in out and "\u202e" not in out
    manifest = json.loads((hostile.out / MANIFEST).read_text())
    missing = [s for s in manifest["skipped_items"] if s["reason"] == "missing image"]
    assert any(str(Path(hostile.out).parent / "data/images/missing.png") in s["why"] for s in missing)


@given(st.lists(st.tuples(st.integers(0, 3), st.text()), max_size=40), st.integers(64, 255))
def test_names_are_safe_unique_and_deterministic(claims, name_max):
    def plan():
        names = CropNames("png", name_max)
        return [names.claim(category, f"c{category}" * category, text) for category, text in claims]

    planned = plan()
    assert planned == plan()
    assert len({p.casefold() for p in planned}) == len(planned) and MANIFEST not in planned
    for rel in planned:
        for part in rel.split("/"):
            assert part not in ("", ".", "..") and not part.startswith(".")
            assert "/" not in part and "\0" not in part and len(part.encode()) <= name_max
    for text in (t for _, t in claims):
        assert component(text, name_max) == component(text, name_max)


def test_bad_image_and_category_entries_are_reported_themselves():
    from dynacrop_native.export import coco

    dataset = coco.read({
        "images": [{"id": [1], "file_name": "a.png"}, {"file_name": "b.png"}, 7, {"id": 2, "file_name": "c.png"},
                   {"id": 2, "file_name": "d.png"}, {"id": True, "file_name": "e.png"}],
        "categories": [{"id": {"a": 1}, "name": "x"}, {"id": 3, "name": ["x"]}, {"id": 4, "name": "y"},
                       {"id": 4, "name": "y"}],
    }, "test")
    assert [(s.what, s.reason) for s in dataset.skipped] == [
        ("category #0", "bad category entry"), ("category 3", "bad category entry"),
        ("category 4", "duplicate category id"), ("image #0", "bad image entry"), ("image #1", "bad image entry"),
        ("image #2", "bad image entry"), ("image 2", "duplicate image id"), ("image #5", "bad image entry")]
    assert dataset.images == [] and dataset.categories == []


def test_readme_export_table_matches_the_cases():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert render() in readme, "README's export table is out of date: run python tests/export_cases.py"


def test_allow_outside_images_reads_absolute_and_parent_names(tmp_path):
    data = Dataset(tmp_path / "data")
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png_bytes(picture(5)))
    for name in (str(outside), "../../elsewhere.png", "../images/base.png"):
        data.annotation(image_id=data.image(name))
    coco = data.save()
    refused = crop_cli("--coco", coco, "--images", data.images, "--out", tmp_path / "a")
    assert refused.returncode == 0
    assert manifest_of(tmp_path / "a")["skipped_by_reason"] == {"file_name outside --images": 3}
    allowed = crop_cli("--coco", coco, "--images", data.images, "--out", tmp_path / "b", "--allow-outside-images")
    assert allowed.returncode == 0 and manifest_of(tmp_path / "b")["written"] == 3


# --- whole-run problems: one line on stderr, exit code 2, nothing written ------------------------

def _whole_run_cases(tmp: Path) -> list:
    data = Dataset(tmp / "data")
    data.annotation()
    good = data.save()
    (tmp / "not.json").write_text("{'images': [}")
    (tmp / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp / "list.json").write_text("[1, 2]")
    (tmp / "images_not_list.json").write_text('{"images": {"id": 1}}')
    (tmp / "latin1.json").write_bytes(b'{"images": [], "x": "\xe9\xff"}')
    (tmp / "empty.json").write_text("")
    (tmp / "a_file").write_text("x")
    (tmp / "full").mkdir()
    (tmp / "full/notes.txt").write_text("mine")
    images = ["--images", data.images]
    return [
        ("annotation file missing", ["--coco", tmp / "missing.json"], "--coco: cannot read"),
        ("annotation file a folder", ["--coco", tmp], "--coco: cannot read"),
        ("annotation file not JSON", ["--coco", tmp / "not.json"], "not valid JSON"),
        ("annotation file empty", ["--coco", tmp / "empty.json"], "not valid JSON"),
        ("annotation file not UTF-8", ["--coco", tmp / "latin1.json"], "not valid JSON"),
        ("JSON nested 100,000 deep", ["--coco", tmp / "deep.json"], "nested too deeply"),
        ("JSON not an object", ["--coco", tmp / "list.json"], "is not a COCO annotation object"),
        ("'images' not a list", ["--coco", tmp / "images_not_list.json"], "'images' must be a list"),
        ("--images missing", ["--coco", good, "--images", tmp / "nope"], "--images: ") ,
        ("--images a file", ["--coco", good, "--images", tmp / "a_file"], "is not a folder"),
        ("--out an existing file", ["--coco", good, *images, "--out", tmp / "a_file"], "exists and is not a folder"),
        ("--out inside a file", ["--coco", good, *images, "--out", tmp / "a_file/sub"], "--out: cannot create"),
        ("--out not empty", ["--coco", good, *images, "--out", tmp / "full"], "is not empty"),
        ("--overwrite over files it did not write", ["--coco", good, *images, "--out", tmp / "full", "--overwrite"],
         "does not list"),
        ("--workers 0", ["--coco", good, "--workers", "0"], "--workers must be"),
        ("--workers 10**6", ["--coco", good, "--workers", str(10**6)], "--workers must be"),
        ("--mask-opacity 1e400", ["--coco", good, "--mask-opacity", "1e400"], "--mask-opacity"),
    ]


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    """All whole-run cases started at once (each is a separate real command)."""
    tmp = tmp_path_factory.mktemp("whole_run")
    cases = _whole_run_cases(tmp)
    before = tree(tmp)
    procs = []
    for _, args, _ in cases:
        out = [] if "--out" in args else ["--out", tmp / "out"]
        procs.append(subprocess.Popen([sys.executable, "-m", "dynacrop_native", "crop", *map(str, args + out)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = {}
    for (what, _, _), proc in zip(cases, procs):
        stdout, stderr = proc.communicate(timeout=300)
        results[what] = (proc.returncode, stdout, stderr)
    return cases, results, before, tree(tmp)


@pytest.mark.parametrize("index", range(17))
def test_whole_run_problem_stops_with_one_line(whole_run, index):
    cases, results, before, after = whole_run
    what, _, message = cases[index]
    code, stdout, stderr = results[what]
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert message in stderr
    assert after == before  # nothing created, nothing removed


# --- re-runs ------------------------------------------------------------------------------------

def test_rerun_policy(tmp_path):
    out = tmp_path / "out"
    first = crop_cli("--sample", "--out", out)
    assert first.returncode == 0 and manifest_of(out)["written"] == 9
    # A run killed with SIGKILL leaves hidden temporary files: the next run removes them.
    (out / "circle/.dynacrop-0123456789abcdef.tmp").write_bytes(b"partial")
    (out / ".dynacrop-feedface.tmp").write_bytes(b"partial")
    again = crop_cli("--sample", "--out", out)
    assert again.returncode == 2 and "is not empty" in again.stderr and "--overwrite" in again.stderr
    replaced = crop_cli("--sample", "--out", out, "--overwrite", "--min-size", "60")
    assert replaced.returncode == 0
    manifest = manifest_of(out)  # the earlier crops that this run skipped are gone too
    assert 0 < manifest["written"] < 9
    # Files the manifest does not list are never removed.
    (out / "notes.txt").write_text("mine")
    refused = crop_cli("--sample", "--out", out, "--overwrite")
    assert refused.returncode == 2 and "does not list" in refused.stderr and "notes.txt" in refused.stderr
    assert (out / "notes.txt").read_text() == "mine" and len(files_in(out)) == manifest["written"] + 2
    (out / "notes.txt").unlink()
    # A forged manifest cannot reach outside the folder.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    forged = json.loads((out / MANIFEST).read_text())
    forged["crops"] += [{"file": "../victim.txt"}, {"file": str(victim)}, {"file": "circle/../../victim.txt"}]
    (out / MANIFEST).write_text(json.dumps(forged))
    assert crop_cli("--sample", "--out", out, "--overwrite").returncode == 0
    assert victim.read_text() == "keep" and manifest_of(out)["written"] == 9


def test_folder_holding_only_temporary_files_and_empty_folders_counts_as_empty(tmp_path):
    out = tmp_path / "out"
    (out / "circle").mkdir(parents=True)
    (out / "circle/.dynacrop-00.tmp").write_bytes(b"x")
    (out / "empty/deeper").mkdir(parents=True)
    assert crop_cli("--sample", "--out", out).returncode == 0
    assert not (out / "empty").exists() and manifest_of(out)["written"] == 9


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_permissions_follow_the_umask(tmp_path, umask, mode):
    out = tmp_path / "out"
    assert crop_cli("--sample", "--out", out, umask=umask).returncode == 0
    for name in files_in(out):
        assert stat.S_IMODE(os.stat(out / name).st_mode) == mode, name
    assert stat.S_IMODE(os.stat(out / "circle").st_mode) == 0o777 & ~umask


# --- interrupts -----------------------------------------------------------------------------------

def _busy_dataset(root: Path, images: int = 2000, per_image: int = 20) -> Path:
    """Many image entries (one file) with many objects each: minutes of work."""
    rng = np.random.default_rng(7)
    data = Dataset(root)
    big = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    (data.images / "big.png").write_bytes(png_bytes(big))
    data.coco["images"] = []
    for _ in range(images):
        ident = data.image("big.png", width=640, height=480)
        for _ in range(per_image):
            x, y = rng.integers(0, 400, 2)
            data.annotation(image_id=ident, bbox=[float(x), float(y), 200.0, 200.0])
    return data.save()


@pytest.fixture(scope="module")
def busy_coco(tmp_path_factory):
    return _busy_dataset(tmp_path_factory.mktemp("busy"))


@pytest.mark.parametrize("sig, code, workers", [(signal.SIGINT, 130, 1), (signal.SIGINT, 130, 2),
                                                (signal.SIGTERM, 143, 2)])
def test_interrupt_stops_promptly_with_a_consistent_manifest(tmp_path, busy_coco, sig, code, workers):
    coco = busy_coco
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "dynacrop_native", "crop", "--coco", str(coco), "--images",
                             str(coco.parent / "images"), "--out", str(out), "--workers", str(workers),
                             "--mask-opacity", "0.5", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("thing/*.png"))) < 100 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until mid-run
    sent = time.monotonic()
    for _ in range(3):  # pressed three times: still one clean stop, never an abort
        proc.send_signal(sig)
        time.sleep(0.05)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.communicate()
    took = time.monotonic() - sent
    assert proc.returncode == code, stderr
    assert took < 10, f"took {took:.1f} s to stop"  # about a second here: only the images in hand finish
    assert "Traceback" not in stderr
    assert stdout.startswith(f"interrupted by {sig.name}: wrote ")
    manifest = manifest_of(out)
    assert manifest["interrupted"] == sig.name and manifest["not_done"] > 0
    assert manifest["written"] + manifest["not_done"] + manifest["skipped"] == 2000 * 20
    assert not [f for f in files_in(out) if f.rsplit("/", 1)[-1].startswith(".")]
    for entry in manifest["crops"][-5:]:  # the last ones written are whole files
        x0, y0, x1, y1 = entry["box"]
        assert cv2.imread(str(out / entry["file"])).shape == (y1 - y0, x1 - x0, 3)


# --- EXIF orientation -------------------------------------------------------------------------------

Image = pytest.importorskip("PIL.Image")
ImageOps = pytest.importorskip("PIL.ImageOps")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_images_are_read_upright_as_pillow_shows_them(tmp_path, fmt, orientation):
    rgb = np.random.default_rng(orientation).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"x.{fmt.lower()}"
    Image.fromarray(rgb).save(path, fmt, exif=exif.tobytes(), **({"lossless": True} if fmt == "WEBP" else {}))
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))[..., ::-1]
    got, found = read_image(path)
    assert found == orientation
    assert got.shape == expected.shape
    if fmt == "JPEG":  # two decoders: equal up to their rounding; the orientation is what is checked here
        stored = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(got, upright(stored, orientation))
        assert np.abs(got.astype(int) - expected).mean() < 3
    else:
        np.testing.assert_array_equal(got, expected)


def test_tiff_orientation_is_applied_once(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(rgb).save(tmp_path / "x.tif", "TIFF", exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "x.tif")).convert("RGB"))[..., ::-1]
    np.testing.assert_array_equal(read_image(tmp_path / "x.tif")[0], expected)


def test_export_crops_a_rotated_jpeg_where_the_annotation_points(tmp_path):
    displayed = np.full((H, W, 3), 40, np.uint8)
    displayed[10:30, 36:60] = (0, 0, 255)  # a red object, where the annotation says, as displayed
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned 90 degrees counter-clockwise; shown turned back
    data = Dataset(tmp_path / "data")
    Image.fromarray(np.rot90(displayed, 1)[..., ::-1].copy()).save(data.images / "phone.jpg", quality=100,
                                                                    subsampling=0, exif=exif.tobytes())
    upright_id = data.image("phone.jpg")
    data.annotation(image_id=upright_id, bbox=[36.0, 10.0, 24.0, 20.0], id="red")
    data.annotation(image_id=data.image("phone.jpg", width=H, height=W), id="stored-size")
    out = tmp_path / "out"
    assert crop_cli("--coco", data.save(), "--images", data.images, "--out", out).returncode == 0
    manifest = manifest_of(out)
    crop = cv2.imread(str(out / manifest["crops"][0]["file"]))
    assert crop.shape == (20, 24, 3) and np.abs(crop[1:-1, 1:-1].astype(int) - (0, 0, 255)).max() < 12
    assert [s["reason"] for s in manifest["skipped_items"]] == ["image size mismatch"]
    assert "is 64x48 after its EXIF orientation 6, the annotation file says 48x64" in manifest["skipped_items"][0]["why"]


# --- failures inside one image never end the run ---------------------------------------------------

def test_out_of_memory_on_one_image_skips_that_image(tmp_path, monkeypatch):
    from dynacrop_native.export import run

    data = Dataset(tmp_path / "data")
    data.annotation(image_id=data.image("hungry.png", picture(6)), id="hungry")
    data.annotation(id="fine")
    real = run.read_image

    def read(path):
        if path.name == "hungry.png":
            raise MemoryError
        return real(path)  # an (image, orientation) pair

    monkeypatch.setattr(run, "read_image", read)
    summary = export(data.save(), data.images, tmp_path / "out", Options(), progress=False)
    assert summary["written"] == 1 and summary["skipped_by_reason"] == {"out of memory": 1}
    manifest_of(tmp_path / "out")


def test_unexpected_error_in_one_image_is_reported_and_skipped(tmp_path, monkeypatch):
    from dynacrop_native.export import run

    data = Dataset(tmp_path / "data")
    data.annotation(id="a")
    data.annotation(image_id=data.image("other.png", picture(7)), id="b")
    calls = []

    real = run.cut_reader

    def cut_reader(*args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return real(*args)

    monkeypatch.setattr(run, "cut_reader", cut_reader)
    summary = export(data.save(), data.images, tmp_path / "out", Options(), progress=False)
    assert summary["written"] == 1 and summary["skipped_items"][0]["why"] == "failed (RuntimeError: boom)"
    manifest_of(tmp_path / "out")


def test_a_write_failure_skips_that_crop(tmp_path, monkeypatch):
    from dynacrop_native.export.output import OutputFolder

    data = Dataset(tmp_path / "data")
    data.annotation(id="a")
    data.annotation(id="b")
    real = OutputFolder.write

    def write(self, rel, payload):
        if rel.endswith("_a.png"):
            raise OSError(28, "No space left on device")
        return real(self, rel, payload)

    monkeypatch.setattr(OutputFolder, "write", write)
    summary = export(data.save(), data.images, tmp_path / "out", Options(), progress=False)
    assert summary["written"] == 1
    assert summary["skipped_items"][0]["why"] == "cannot write (thing/base_a.png: No space left on device)"
    manifest_of(tmp_path / "out")
