import os

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import _native

sv = pytest.importorskip("supervision")


def big_scene(rng, n=12):
    h, w = 700, 900
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    x = np.sort(rng.uniform(0, w, (n, 2)), axis=1)
    y = np.sort(rng.uniform(0, h, (n, 2)), axis=1)
    det = sv.Detections(
        xyxy=np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1),
        mask=rng.random((n, h, w)) < 0.5,
        data={"detection_id": np.array([str(i) for i in range(n)])},
    )
    return image, det


@pytest.mark.parametrize("opacity", [0.0, 0.5, 0.3, 1.0])
def test_threaded_results_equal_serial(rng, isa, opacity):
    image, det = big_scene(rng)
    serial = dc.dynamic_crop(image, det, mask_opacity=opacity, copy=True, threads=1)
    for threads in (2, 3, 7, None):
        got = dc.dynamic_crop(image, det, mask_opacity=opacity, copy=True, threads=threads)
        for a, b in zip(got, serial):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a.image, b.image)


def threads_used(call, tries=200):
    """How many threads ran work items in `call` (the native hook), repeated until more than one
    did or `tries`: a parked pool thread may wake too late to take a row on a busy machine."""
    used = 0
    for _ in range(tries):
        call()
        used = max(used, _native.threads_used())
        if used > 1:
            break
    return used


def test_one_big_crop_is_split_by_rows(rng, isa):
    crop = rng.integers(0, 256, (1500, 1100, 3), dtype=np.uint8)[::-1]  # negative stride too
    mask = rng.random((1500, 1100)) < 0.5
    serial = dc.remove_background(crop, mask, 0.37, "#123456", threads=1)
    np.testing.assert_array_equal(dc.remove_background(crop, mask, 0.37, "#123456", threads=2), serial)
    # One crop, two threads: its rows were split (a second thread ran some of them).
    assert threads_used(lambda: dc.remove_background(crop, mask, 0.37, "#123456", threads=2)) == 2
    assert threads_used(lambda: dc.remove_background(crop, mask, 0.37, "#123456", threads=1), tries=3) == 1


@pytest.mark.parametrize("opacity", [0.0, 0.6])
def test_padding_is_painted_by_the_threads(rng, isa, opacity):
    """Padded crops many row bands tall (bands of padding only, bands across the image part),
    split over threads: equal to one thread and to the canvas built in numpy."""
    from reference import padded_reference

    image = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    boxes = [[-50, -700, 450, 900], [-300, 20, 100, 60], [390, 290, 1390, 1290]]
    masks = rng.random((len(boxes), 300, 400)) < 0.5
    det = sv.Detections(xyxy=np.array(boxes, float), mask=masks, data={"detection_id": np.array(["a", "b", "c"])})
    options = dict(out_of_bounds="pad", mask_opacity=opacity, background_color="#204060")
    serial = dc.dynamic_crop(image, det, threads=1, **options)
    for box, mask, crop in zip(boxes, masks, serial):
        np.testing.assert_array_equal(crop.image, padded_reference(image, box, mask, opacity, "#204060"))
    for threads in (2, 3):
        for a, b in zip(dc.dynamic_crop(image, det, threads=threads, **options), serial):
            np.testing.assert_array_equal(a.image, b.image)


def usable_threads():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, 8)


def test_automatic_threads_only_for_large_work():
    assert _native.resolve_threads(0, 10_000) == 1
    assert _native.resolve_threads(3, 10_000) == 3
    assert _native.resolve_threads(0, 64 << 20) == usable_threads()  # the most an automatic call uses
    _native.reset_thread_policy()
    assert _native.plan_threads(0, 10_000, 100) == 1  # below 384 KB: one thread
    assert _native.plan_threads(5, 10_000, 100) == 5
    assert _native.plan_threads(5, 10_000, 3) == 3  # never more than the work items
    assert _native.plan_threads(0, 8 << 20, 1) == 1


def timed_calls(n, one_faster, size=8 << 20, ratio=2.0):
    """n automatic calls of `size` bytes through the test hook, recorded as 1 ms on the faster
    choice (one thread or all usable) and `ratio` ms on the other; the thread counts chosen."""
    one, more = (1e-3, ratio * 1e-3) if one_faster else (ratio * 1e-3, 1e-3)
    return [_native.plan_threads(0, size, 100, one, more) for _ in range(n)]


def explored(call, period):
    """Whether automatic call number `call` of a size class (counted from 0) is one of the
    bursts of the other choice: the last four of every `period`."""
    return call % period >= period - 4


@pytest.mark.skipif(usable_threads() < 2, reason="one usable core: nothing to choose")
@pytest.mark.parametrize("one_faster", [True, False])
@pytest.mark.parametrize("ratio, period", [(2.0, 256), (1.2, 64)])
def test_automatic_threads_follow_measured_times(one_faster, ratio, period):
    """Large automatic calls run on every usable core, then on one thread, until each has three
    times (the first call after a switch is not timed), then on the choice whose median time
    per byte was lower (test_automatic_threads_on_a_tie: by how much), and on the other in a
    burst of four every 64 calls, or every 256 while it is more than 1.25x slower."""
    all_, fast, slow = usable_threads(), *((1, usable_threads()) if one_faster else (usable_threads(), 1))
    for size in (600 << 10, 8 << 20):  # under and over 4 MB
        _native.reset_thread_policy()
        assert timed_calls(8, one_faster, size, ratio) == [all_] * 4 + [1] * 4
        expected = [slow if explored(call, period) else fast for call in range(8, 264)]
        assert timed_calls(256, one_faster, size, ratio) == expected
        # Sizes are measured apart (powers of two): twice the size has no times yet.
        assert timed_calls(8, one_faster, 2 * size, ratio) == [all_] * 4 + [1] * 4
        # Times turned: the choice in use slows down, the other's times come in with its next
        # burst (every 64 calls once the two are close); from then on it is the one in use.
        turned = timed_calls(100, not one_faster, size, ratio)
        assert turned[-32:] == [slow] * 32
    _native.reset_thread_policy()


@pytest.mark.skipif(usable_threads() < 2, reason="one usable core: nothing to choose")
def test_automatic_threads_wait_for_times():
    """A planned call that is never timed (it raised before running) leaves the policy where it
    was: the warm-up goes on until each choice has three times."""
    _native.reset_thread_policy()
    assert [_native.plan_threads(0, 8 << 20, 100) for _ in range(20)] == [usable_threads()] * 20
    assert timed_calls(8, True) == [usable_threads()] * 3 + [1] * 4 + [1]
    _native.reset_thread_policy()


@pytest.mark.skipif(usable_threads() < 2, reason="one usable core: nothing to choose")
@pytest.mark.parametrize("slower", [1.03, 1.09])
def test_automatic_threads_on_a_tie(slower):
    """More threads `slower` times slower than one: calls under 4 MB take one thread (more threads
    only when more than 4% faster), calls from 4 MB every usable core (one thread only when more
    than 10% faster: on a busy machine more threads win a call of several scheduler slices a
    larger share)."""
    usable = usable_threads()
    for size, expected in ((600 << 10, 1), ((4 << 20) - 1, 1), (4 << 20, usable), (64 << 20, usable)):
        _native.reset_thread_policy()
        counts = [_native.plan_threads(0, size, 100, 1e-3, slower * 1e-3) for _ in range(40)]
        assert counts[8:] == [expected] * 32, size
    _native.reset_thread_policy()


@pytest.mark.skipif(usable_threads() < 2, reason="one usable core: nothing to choose")
def test_automatic_calls_are_timed(rng):
    """Real calls report their times: after four automatic calls of a 3 MB blend on every core
    (the first not timed), the next four run on one thread."""
    crop = rng.integers(0, 256, (1000, 1000, 3), dtype=np.uint8)
    mask = rng.random((1000, 1000)) < 0.5
    _native.reset_thread_policy()
    used = []
    for _ in range(8):
        dc.remove_background(crop, mask, 0.37, "#123456")
        used.append(_native.threads_used())
    assert used[4:] == [1] * 4
    _native.reset_thread_policy()


def test_batch_matches_per_frame_calls(rng):
    frames = [big_scene(rng, 4) for _ in range(3)]
    images, dets = zip(*frames)
    batch = dc.dynamic_crop_batch(images, dets, mask_opacity=0.5, background_color="#fff")
    for image, det, crops in zip(images, dets, batch):
        for a, b in zip(crops, dc.dynamic_crop(image, det, mask_opacity=0.5, background_color="#fff")):
            np.testing.assert_array_equal(a.image, b.image)
    with pytest.raises(ValueError, match="detections: expected one entry per image"):
        dc.dynamic_crop_batch(images, dets[:2])


@pytest.mark.parametrize("value, exc", [(0, ValueError), (-1, ValueError), (1.5, TypeError), ("2", TypeError), (True, TypeError)])
def test_bad_thread_counts(value, exc):
    with pytest.raises(exc, match="threads: expected None or an integer >= 1"):
        dc.crop_boxes(np.zeros((4, 4), np.uint8), [[0, 0, 2, 2]], threads=value)


def test_many_python_threads_on_shared_inputs(rng):
    """8 Python threads x 5 calls each on the same read-only inputs, every call also splitting
    its own work over native threads: results equal the serial ones, inputs stay unchanged, and
    nothing deadlocks (a bounded count, with a timeout)."""
    from concurrent.futures import ThreadPoolExecutor

    image, det = big_scene(rng, 8)
    image.flags.writeable = False
    before = image.copy()
    want = [c.image for c in dc.dynamic_crop(image, det, mask_opacity=0.4, background_color="#0f0", threads=1) if c]

    def work(i):
        crops = dc.dynamic_crop(image, det, mask_opacity=0.4, background_color="#0f0", threads=(None, 2, 1)[i % 3])
        return [c.image for c in crops if c]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(40), timeout=120))
    for got in results:
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(image, before)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python >= 3.12
def test_calls_in_a_forked_child_finish_without_the_pool_threads(rng):
    """The pool's parked threads do not exist in a fork()ed child; its calls still finish (the
    calling thread takes every item no pool thread claims) with the same result."""
    import multiprocessing

    crop = rng.integers(0, 256, (1200, 900, 3), dtype=np.uint8)
    mask = rng.random((1200, 900)) < 0.5
    want = dc.remove_background(crop, mask, 0.37, "#123456", threads=2)  # the parent's pool is running
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(dc.remove_background, (crop, mask, 0.37, "#123456"), {"threads": 2}).get(timeout=60)
    np.testing.assert_array_equal(got, want)


def test_prediction_mask_copies_honour_threads(rng):
    # The masks the predictions carry are copied by a native call of their own, after the crops:
    # it takes the call's thread count too.
    import supervision as sv

    image = rng.integers(0, 256, (1000, 1500, 3), dtype=np.uint8)
    masks = rng.uniform(size=(4, 1000, 1500)) < 0.5
    det = sv.Detections(xyxy=np.array([[0, 0, 1500, 1000]] * 4, float), mask=masks)
    assert threads_used(lambda: dc.dynamic_crop(image, det, threads=2)) == 2
    assert threads_used(lambda: dc.dynamic_crop(image, det, threads=1), tries=3) == 1
    (crop, *_) = dc.dynamic_crop(image, det, threads=2)
    np.testing.assert_array_equal(crop.predictions.mask[0], masks[0])
