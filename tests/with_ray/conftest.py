"""Ray tests run against a real local Ray cluster; skipped when the ray extra is not installed."""

import pytest


@pytest.fixture(scope="session")
def ray_installed():
    """The ray module, without a cluster (tests that start their own)."""
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install '.[test,ray]'); the ray CI stage runs these")
    if getattr(ray, "__file__", None) is None:  # a folder named ray on sys.path, imported as a namespace package
        pytest.skip(f"'ray' here is the folder {list(ray.__path__)}, not Ray")
    return ray


@pytest.fixture(scope="session")
def ray_cluster(ray_installed):
    """One local cluster (2 CPUs) shared by the session: Ray's start-up is slow on 2 cores."""
    ray_installed.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray_installed
    ray_installed.shutdown()
