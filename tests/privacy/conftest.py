"""The generated data set fixtures of tests/integration, for the erasure's end-to-end test."""

from tests.integration.conftest import generated, lakehouse, small_cfg  # noqa: F401
