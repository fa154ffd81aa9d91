import pytest


@pytest.fixture
def cast(profile):
    from tests.workflow_helpers import build_cast

    return build_cast()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded and generated files in the test's own folder, looked at and then thrown away."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
