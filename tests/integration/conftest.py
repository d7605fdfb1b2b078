import os

import pytest

# In CI's integration stage upstream must be importable: a missing install fails, never skips.
if os.environ.get("DYNACROP_REQUIRE_UPSTREAM") == "1":
    import roboflow_workflows  # noqa: F401
else:
    pytest.importorskip("roboflow_workflows")
