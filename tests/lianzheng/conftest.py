import pytest


@pytest.fixture
def cast(profile):
    from tests.workflow_helpers import build_cast

    return build_cast()
